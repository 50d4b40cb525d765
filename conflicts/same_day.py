"""Same-day requests (seed 000): raising, answering (approval books at once), closing the impossible, expiry."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Location
from accounts.permissions import Action, require
from calendars.selectors import is_booked_between
from calendars.services import appointment_book
from leads.services import lead_conversion_blocker
from notifications.outbox import notify_location
from pronexis.errors import Refused
from pronexis.locks import lock

from .models import Callback, SameDayRequest
from .services import (
    _answer_links,
    _lead_location,
    _sync_hold,
    check_answer_role,
    describe_answer,
    describe_time,
    local,
)

# Channels where the credential is the signed link or the signed Reply-To, not a session.
SIGNED_CHANNELS = ("email_link", "sms_link", "email_reply")
MAX_REMINDERS = 2
SAME_DAY_HORIZON = dt.timedelta(hours=24)
MEETING_TYPES = dict(Location.MeetingType.choices)


# --- same-day requests (seed 000) ------------------------------------------------------------
def same_day_blocker(*, lead, location: Location, start: dt.datetime, end: dt.datetime) -> str:
    """Why the owner could not approve a same-day request for this lead and time ("" when they
    can). Seed 000 line 7: an approval books the appointment at once, so the lead must be able to
    convert (DESIGN.md's transition table; seed 003: bad and test leads are not booked) and the
    time must not be booked already (DESIGN.md "Rules tightened")."""
    # Cross-app, at call time like this module's others (calendars imports conflicts too).

    if blocker := lead_conversion_blocker(lead):
        return blocker
    if is_booked_between(location_id=location.pk, start=start, end=end):
        return "another appointment is already booked at that time."
    return ""


def same_day_close_if_impossible(*, request: SameDayRequest, now: dt.datetime | None = None) -> bool:
    """A pending request whose approval became impossible closes itself with the reason (shown on
    its page and to whoever tries to answer) instead of staying red for ever. When only the time
    was taken, the agents get a callback to offer the lead a later time. True when it closed."""

    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            lock(SameDayRequest.objects.select_related("location", "lead")).get(pk=request.pk)
        )
        if locked.status != SameDayRequest.Status.PENDING:
            return False
        blocker = same_day_blocker(
            lead=locked.lead, location=locked.location, start=locked.requested_start, end=locked.requested_end
        )
        if not blocker:
            return False
        locked.status, locked.closed_at = SameDayRequest.Status.CLOSED, now
        locked.closed_reason = blocker[0].upper() + blocker[1:]
        locked.save(update_fields=["status", "closed_at", "closed_reason"])
        _sync_hold(locked, now)
        if not lead_conversion_blocker(locked.lead):  # only the time was taken: offer another
            Callback.objects.create(
                location=locked.location,
                lead=locked.lead,
                same_day_request=locked,
                reason=Callback.Reason.SAME_DAY_DECLINED,
                instructions=f"Same-day request #{locked.pk} closed itself: {locked.closed_reason} "
                "Call the client back and offer a later time.",
                created_at=now,
            )
    return True


def same_day_close_impossible(*, now: dt.datetime | None = None) -> int:
    """Beat: close every pending same-day request whose approval became impossible."""
    pending = SameDayRequest.objects.filter(status=SameDayRequest.Status.PENDING).only("pk")
    return sum(same_day_close_if_impossible(request=request, now=now) for request in pending)


def same_day_raise(
    *,
    lead,
    requested_start: dt.datetime,
    requested_end: dt.datetime,
    requested_meeting_type: str,
    actor,
    now: dt.datetime | None = None,
) -> SameDayRequest:
    """Seed 000: a lead wants an appointment within 24 h of the call; the agent asks the owner —
    only when the owner could approve it (`same_day_blocker`; otherwise Refused → 409). Call
    center only (Action.REQUEST_SAME_DAY)."""
    now = now or timezone.now()
    location = _lead_location(lead)
    require(actor, Action.REQUEST_SAME_DAY, location)
    errors = {}
    if requested_meeting_type not in location.meeting_types:
        # Keyed by the name the API and the console's form give it (DESIGN.md: `meeting_type`).
        errors["meeting_type"] = f"{location.name} does not offer “{requested_meeting_type}” meetings."
    if requested_end <= requested_start:
        errors["requested_end"] = "The requested time must end after it starts."
    if requested_start <= now:
        errors["requested_start"] = "The requested time must be in the future."
    elif requested_start - now > SAME_DAY_HORIZON:
        errors["requested_start"] = "This start is more than 24 hours away: book it normally, no approval needed."
    if errors:
        raise ValidationError(errors)
    if blocker := same_day_blocker(lead=lead, location=location, start=requested_start, end=requested_end):
        raise Refused(f"The owner could not approve this same-day request: {blocker}")
    with transaction.atomic():
        request = SameDayRequest.objects.create(
            location=location,
            lead=lead,
            requested_start=requested_start,
            requested_end=requested_end,
            requested_meeting_type=requested_meeting_type,
            raised_by=actor if getattr(actor, "pk", None) else None,
            created_at=now,
        )
        _sync_hold(request, now)
        notify_location(
            location=location,
            kind="same_day_request",
            subject=request,
            context={
                "request": request,
                "lead": lead,
                "local_start": local(requested_start, location),
                "local_end": local(requested_end, location),
                "meeting_type_label": MEETING_TYPES.get(requested_meeting_type, ""),
                "links": _answer_links("same_day", request, ("approve", "decline"), "email_link"),
                "sms_links": _answer_links("same_day", request, ("approve", "decline"), "sms_link"),
            },
            idempotency_key=f"same_day:{request.pk}:raised",
            push=True,
        )
    return request


def same_day_respond(
    *,
    request: SameDayRequest,
    actor,
    decision: str,
    notes: str = "",
    channel: str,
    now: dt.datetime | None = None,
) -> SameDayRequest:
    """Seed 000: approve → the appointment is booked at once (forced when no slot: the approved
    request is the owner's approval) and a callback confirms it with the lead; decline → a
    callback offers a later time, and its outcome sets the lead. First answer wins; an agent
    records an owner's phone answer with channel `phone`.
    """

    now = now or timezone.now()
    # A role that may not answer is told so (403) whatever it sent (DESIGN.md "REST API").
    check_answer_role(actor=actor, location=request.location, channel=channel, allow_agent_phone=True)
    if decision not in SameDayRequest.Decision.values:
        raise ValidationError({"decision": "Choose approve or decline."})
    if channel not in SameDayRequest.Channel.values:
        raise ValidationError({"channel": f"Unknown channel “{channel}”."})
    if decision == SameDayRequest.Decision.APPROVE and same_day_close_if_impossible(request=request, now=now):
        request.refresh_from_db()
        raise Refused(describe_answer(request))
    with transaction.atomic():
        locked = (
            lock(SameDayRequest.objects.select_related("location", "lead")).get(pk=request.pk)
        )
        if locked.status != SameDayRequest.Status.PENDING:
            raise Refused(describe_answer(locked))
        if locked.requested_start <= now:
            raise Refused("The requested start has passed: this same-day request can no longer be answered.")
        locked.status = SameDayRequest.Status.APPROVED if decision == "approve" else SameDayRequest.Status.DECLINED
        locked.owner_notes = (notes or "").strip()
        locked.responded_by = actor if getattr(actor, "pk", None) else None
        locked.responded_at = now
        locked.response_channel = channel
        locked.save()
        _sync_hold(locked, now)  # decline releases the time; an approval's booking converts the hold
        location = locked.location
        meeting = MEETING_TYPES.get(locked.requested_meeting_type, "")
        requested = f"{describe_time(locked.requested_start, location)}, {meeting}"
        if decision == "approve":
            appointment = appointment_book(
                lead=locked.lead,
                start=locked.requested_start,
                end=locked.requested_end,
                meeting_type=locked.requested_meeting_type,
                booked_by=actor if channel == "phone" else None,
                same_day_request=locked,  # the owner's approval: the 24-hour rule is met by it
                now=now,
            )
            reason = Callback.Reason.SAME_DAY_APPROVED
            text = (
                f"The owner approved {requested}; appointment #{appointment.pk} is booked. Call the client to confirm."
            )
        else:
            reason = Callback.Reason.SAME_DAY_DECLINED
            text = (
                f"The owner declined {requested}. Call the client back and offer a later time: book it (booked later) "
                "or record that they refused (the lead becomes not converted)."
            )
        if locked.owner_notes:
            text += f"\nOwner's notes: {locked.owner_notes}"
        Callback.objects.create(
            location=location,
            lead=locked.lead,
            same_day_request=locked,
            reason=reason,
            instructions=text,
            created_at=now,
        )
    return locked


def same_day_expire_due(*, now: dt.datetime | None = None) -> int:
    """DESIGN.md: a same-day request still pending when its start passes is `expired`."""
    now = now or timezone.now()
    return SameDayRequest.objects.filter(status=SameDayRequest.Status.PENDING, requested_start__lte=now).update(
        status=SameDayRequest.Status.EXPIRED, closed_at=now
    )
