"""The agents' callback queue: closing a callback with its outcome, which sets the lead."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Location
from accounts.permissions import Action, require
from leads.models import Lead
from leads.services import lead_set_status
from pronexis.errors import Refused
from pronexis.locks import lock

from .models import Callback, Conflict, SameDayRequest
from .services import _sync_hold

# Channels where the credential is the signed link or the signed Reply-To, not a session.
SIGNED_CHANNELS = ("email_link", "sms_link", "email_reply")
MAX_REMINDERS = 2
SAME_DAY_HORIZON = dt.timedelta(hours=24)
MEETING_TYPES = dict(Location.MeetingType.choices)


# --- the callback queue ----------------------------------------------------------------------
CALLBACK_OUTCOMES = {
    Callback.Reason.CONFLICT_APPROVED: ("booked", "refused", "unreachable"),
    Callback.Reason.CONFLICT_ALTERNATE: ("booked", "refused", "unreachable"),
    Callback.Reason.CONFLICT_DECLINED: ("informed", "booked", "refused", "unreachable"),
    Callback.Reason.SAME_DAY_APPROVED: ("confirmed", "refused", "unreachable"),
    Callback.Reason.SAME_DAY_DECLINED: ("booked_later", "refused"),
}


def callback_close(
    *, callback: Callback, actor, outcome: str, notes: str = "", now: dt.datetime | None = None
) -> Callback:
    """DESIGN.md "Callback queue": the agent records the outcome, which closes the conflict or
    same-day request. Seed 000: after a declined same-day request the lead is either booked later
    (the booking already converted it) or refused → `not_converted` (reason refused)."""

    now = now or timezone.now()
    with transaction.atomic():
        locked = lock(Callback.objects.select_related("lead", "location")).get(pk=callback.pk)
        require(actor, Action.WORK_CALLBACKS, locked.location, "Only agents work the callback queue.")
        if locked.status == Callback.Status.CLOSED:
            raise Refused(f"This callback was already closed ({locked.get_outcome_display().lower()}).")
        allowed = CALLBACK_OUTCOMES[locked.reason]
        if outcome not in allowed:
            raise ValidationError({"outcome": f"For this callback choose one of: {', '.join(allowed)}."})
        lead = locked.lead
        if outcome in ("booked", "booked_later") and lead.status != Lead.Status.CONVERTED:
            raise ValidationError({"outcome": "Book the appointment first: the booking converts the lead."})
        if outcome == "refused" and lead.status == Lead.Status.IN_PROCESS:
            lead_set_status(
                lead=lead,
                status=Lead.Status.NOT_CONVERTED,
                reason=Lead.Reason.REFUSED,
                actor=actor,
                actor_kind="agent",
                note=(notes or "").strip() or f"Refused on callback #{locked.pk}.",
            )
        locked.status = Callback.Status.CLOSED
        locked.outcome = outcome
        locked.notes = (notes or "").strip()
        locked.closed_at = now
        locked.closed_by = actor if getattr(actor, "pk", None) else None
        locked.save()
        if locked.conflict_id:
            Conflict.objects.filter(pk=locked.conflict_id).update(status=Conflict.Status.CLOSED, closed_at=now)
        if locked.same_day_request_id:
            SameDayRequest.objects.filter(pk=locked.same_day_request_id).update(
                status=SameDayRequest.Status.CLOSED, closed_at=now, outcome=outcome
            )
        _sync_hold(locked.conflict or locked.same_day_request, now)  # closed: the held time is free again
    return locked
