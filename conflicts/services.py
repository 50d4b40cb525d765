"""Writes of the conflicts capability: raising and answering conflicts (seed 004), their
reminders, and the helpers the other write modules share. Same-day requests (seed 000) are
`same_day.py`, signed links and e-mail replies `answers.py`, the callback queue `callbacks.py`.

Every channel — Action Center, calendar tab, e-mail link, SMS link, e-mail reply, API, phone —
calls `conflict_respond` / `same_day_respond`; none of them writes these rows itself.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.hours import BUSINESS_CLOSE, BUSINESS_OPEN, is_business_day
from accounts.models import Location
from accounts.permissions import Action, require
from calendars.holds import hold_sync
from calendars.selectors import is_free_to_book
from leads.rollups import rollup_add
from notifications.outbox import notify_location
from pronexis.errors import Refused
from pronexis.locks import lock

from . import links
from .models import Callback, Conflict, SameDayRequest

# Channels where the credential is the signed link or the signed Reply-To, not a session.
SIGNED_CHANNELS = ("email_link", "sms_link", "email_reply")
MAX_REMINDERS = 2
SAME_DAY_HORIZON = dt.timedelta(hours=24)
MEETING_TYPES = dict(Location.MeetingType.choices)


# --- helpers ---------------------------------------------------------------------------------
def _sync_hold(item, now: dt.datetime, **kw) -> None:
    """The request's slot hold follows its state (calendars.holds)."""

    hold_sync(item, now=now, **kw)


def local(moment: dt.datetime | None, location: Location) -> dt.datetime | None:
    return moment.astimezone(location.zone) if moment else None


def describe_time(moment: dt.datetime, location: Location) -> str:
    value = moment.astimezone(location.zone)
    return f"{value:%a %b} {value.day}, {value:%I:%M %p}".replace(" 0", " ") + f" ({location.time_zone})"


def describe_answer(item) -> str:
    """The answer an item already has, in words: shown when a second answer is refused."""
    summary = answer_summary(item)
    return summary if summary.startswith("This same-day") else f"Already answered: {summary}"


def answer_summary(item) -> str:
    """The answer in words: "it was approved by Olivia Owens, Tue Nov 25, 9:14 AM (…), via …"."""
    who = str(item.responded_by) if item.responded_by_id else "the Location's notification recipient"
    when = describe_time(item.responded_at, item.location) if item.responded_at else "earlier"
    if isinstance(item, Conflict) and item.decision == Conflict.Decision.ALTERNATE:
        what = "an alternate was suggested"
        if item.alternate_start:
            what += f" ({describe_time(item.alternate_start, item.location)}"
            what += f", {MEETING_TYPES.get(item.alternate_meeting_type or item.requested_meeting_type, '')})"
    elif isinstance(item, SameDayRequest) and item.status == SameDayRequest.Status.EXPIRED:
        return "This same-day request expired unanswered when its start passed."
    elif isinstance(item, SameDayRequest) and item.closed_reason:
        return f"This same-day request closed itself: {item.closed_reason}"
    else:
        decision = item.decision if isinstance(item, Conflict) else ""
        status = decision or ("approve" if item.status == "approved" else "decline")
        what = "it was approved" if status == "approve" else "it was declined"
    return f"{what} by {who}, {when}, via {item.get_response_channel_display()}."


def check_answer_role(*, actor, location, channel: str, allow_agent_phone: bool = False) -> None:
    """Owners and managers answer; a signed link or Reply-To answers without a session; agents
    record a phone answer (same-day only). Viewers and everybody else: PermissionDenied (403)."""
    if actor is None:
        if channel in SIGNED_CHANNELS:
            return
        raise PermissionDenied("Sign in to answer.")
    if allow_agent_phone and channel == "phone":
        require(actor, Action.RECORD_PHONE_ANSWER, location, "Only an agent records an answer given by phone.")
        return
    require(actor, Action.ANSWER, location)


def _lead_location(lead) -> Location:
    location = lead.location
    if location is None:
        raise ValidationError({"lead": "This lead belongs to no Location."})
    if not location.takes_bookings:
        raise Refused(f"{location.name} is on the answering service only and takes no bookings.")
    return location


def _answer_links(kind: str, item, decisions, channel: str) -> dict[str, str]:
    return {d: links.answer_url(kind=kind, object_id=item.pk, decision=d, channel=channel) for d in decisions}


# --- conflicts -------------------------------------------------------------------------------
def conflict_check_applies(
    *,
    location: Location,
    kind: str,
    requested_start: dt.datetime,
    requested_end: dt.datetime,
    requested_meeting_type: str,
    now: dt.datetime,
) -> None:
    """Seed 004 lines 2–5: a conflict is a time "other than the times you've provided" or a place
    "other than your preferred location" — and answering one is billed (line 6). So a schedule
    conflict for a free time inside availability, and a location conflict for a meeting type the
    Location offers, are refused (400) with what to do instead (DESIGN.md "Rules tightened")."""

    if kind == Conflict.Kind.LOCATION and requested_meeting_type in location.meeting_types:
        label = MEETING_TYPES[requested_meeting_type].lower()
        raise ValidationError(
            {
                "requested_meeting_type": f"{location.name} offers {label} meetings: there is no location conflict. "
                "Book a free slot instead (or raise a schedule conflict for a time outside availability)."
            }
        )
    if kind == Conflict.Kind.SCHEDULE and is_free_to_book(
        location=location, start=requested_start, end=requested_end, meeting_type=requested_meeting_type
    ):
        instead = "Book the slot instead"
        if requested_start - now < SAME_DAY_HORIZON:
            instead += " (it starts within 24 hours: ask the owner's same-day approval first)"
        raise ValidationError(
            {
                "requested_start": "This time is free inside the owner's availability: there is no schedule "
                f"conflict. {instead}."
            }
        )


def conflict_raise(
    *,
    lead,
    kind: str,
    requested_start: dt.datetime,
    requested_end: dt.datetime,
    requested_meeting_type: str,
    requested_address: str = "",
    caller_notes: str = "",
    actor,
    now: dt.datetime | None = None,
) -> Conflict:
    """Seed 004: an agent raises a schedule or location conflict — only a real one
    (`conflict_check_applies`); the Location is e-mailed (with Approve / Decline /
    Suggest-alternate links and a signed Reply-To) and texted a reminder. Call center only
    (Action.RAISE_CONFLICT): owners answer conflicts, they do not raise them."""
    now = now or timezone.now()
    location = _lead_location(lead)
    require(actor, Action.RAISE_CONFLICT, location)
    errors = {}
    if kind not in Conflict.Kind.values:
        errors["kind"] = "Choose schedule or location."
    if requested_meeting_type not in MEETING_TYPES:
        errors["requested_meeting_type"] = f"Choose one of {', '.join(MEETING_TYPES)}."
    if requested_end <= requested_start:
        errors["requested_end"] = "The requested time must end after it starts."
    if requested_start <= now:
        errors["requested_start"] = "The requested time must be in the future."
    if errors:
        raise ValidationError(errors)
    conflict_check_applies(
        location=location,
        kind=kind,
        requested_start=requested_start,
        requested_end=requested_end,
        requested_meeting_type=requested_meeting_type,
        now=now,
    )
    with transaction.atomic():
        conflict = Conflict.objects.create(
            location=location,
            lead=lead,
            kind=kind,
            requested_start=requested_start,
            requested_end=requested_end,
            requested_meeting_type=requested_meeting_type,
            requested_address=requested_address or "",
            caller_notes=caller_notes or "",
            raised_by=actor if getattr(actor, "pk", None) else None,
            created_at=now,
        )
        _sync_hold(conflict, now)
        _notify_conflict(conflict, kind="conflict_raised", key=f"conflict:{conflict.pk}:raised", push=True)
    return conflict


def _notify_conflict(conflict: Conflict, *, kind: str, key: str, push: bool = False) -> None:
    location = conflict.location
    notify_location(
        location=location,
        kind=kind,
        subject=conflict,
        context={
            "conflict": conflict,
            "lead": conflict.lead,
            "local_start": local(conflict.requested_start, location),
            "local_end": local(conflict.requested_end, location),
            "meeting_type_label": MEETING_TYPES.get(conflict.requested_meeting_type, ""),
            "links": _answer_links("conflict", conflict, ("approve", "decline", "alternate"), "email_link"),
            "sms_links": _answer_links("conflict", conflict, ("approve", "decline"), "sms_link"),
            "reply_to": links.reply_to_address(conflict.pk),
        },
        idempotency_key=key,
        headers={"Reply-To": links.reply_to_address(conflict.pk)},
        push=push,
    )


def _alternate(conflict: Conflict, *, start, end, meeting_type, now) -> tuple[dt.datetime, dt.datetime, str]:
    """An alternate changes the time, the meeting type or both, and lies in the future."""
    if meeting_type and meeting_type not in MEETING_TYPES:
        raise ValidationError({"alternate_meeting_type": f"Choose one of {', '.join(MEETING_TYPES)}."})
    if start is None and not meeting_type:
        raise ValidationError({"alternate_start": "Suggest another time, another meeting type, or both."})
    duration = conflict.requested_end - conflict.requested_start
    start = start or conflict.requested_start
    end = end or (start + duration)
    meeting_type = meeting_type or conflict.requested_meeting_type
    if start <= now:
        raise ValidationError({"alternate_start": "The alternate must be in the future."})
    if end <= start:
        raise ValidationError({"alternate_end": "The alternate must end after it starts."})
    if start == conflict.requested_start and meeting_type == conflict.requested_meeting_type:
        raise ValidationError({"alternate_start": "The alternate must change the time, the meeting type or both."})
    return start, end, meeting_type


def _conflict_instructions(conflict: Conflict) -> tuple[str, str]:
    location = conflict.location
    requested = f"{describe_time(conflict.requested_start, location)}, {MEETING_TYPES[conflict.requested_meeting_type]}"
    if conflict.decision == Conflict.Decision.APPROVE:
        reason = Callback.Reason.CONFLICT_APPROVED
        text = (
            f"The owner approved {requested}. Call the client back and book it "
            f"(force booked with conflict #{conflict.pk} if it is outside availability)."
        )
    elif conflict.decision == Conflict.Decision.ALTERNATE:
        reason = Callback.Reason.CONFLICT_ALTERNATE
        text = (
            f"The owner cannot do {requested} and suggests "
            f"{describe_time(conflict.alternate_start, location)}, {MEETING_TYPES[conflict.alternate_meeting_type]}. "
            "Call the client back and offer it."
        )
    else:
        reason = Callback.Reason.CONFLICT_DECLINED
        text = f"The owner declined {requested}. Call the client back, tell them, and offer a time within availability."
    if conflict.owner_notes:
        text += f"\nOwner's notes: {conflict.owner_notes}"
    return reason, text


def conflict_respond(
    *,
    conflict: Conflict,
    actor,
    decision: str,
    notes: str = "",
    alternate_start: dt.datetime | None = None,
    alternate_end: dt.datetime | None = None,
    alternate_meeting_type: str | None = None,
    channel: str,
    now: dt.datetime | None = None,
) -> Conflict:
    """Seed 004 / DESIGN.md "Conflicts": the one answer service behind every channel.

    Row lock; the first answer wins (a second is Refused naming the first); owners and managers
    only (a signed link or Reply-To stands for the Location's notification recipient); an
    alternate is in the future and changes the time, the meeting type or both. Records who, when
    and the channel, and queues the agents' callback — nothing is booked here: on approval the
    agent books the requested time with the client (forced with this conflict when outside
    availability).
    """
    now = now or timezone.now()
    # A role that may not answer is told so (403) whatever it sent (DESIGN.md "REST API").
    check_answer_role(actor=actor, location=conflict.location, channel=channel)
    if decision not in Conflict.Decision.values:
        raise ValidationError({"decision": "Choose approve, decline or alternate."})
    if channel not in Conflict.Channel.values:
        raise ValidationError({"channel": f"Unknown channel “{channel}”."})
    with transaction.atomic():
        locked = lock(Conflict.objects.select_related("location", "lead")).get(pk=conflict.pk)
        if locked.status != Conflict.Status.PENDING:
            raise Refused(describe_answer(locked))
        if decision == Conflict.Decision.ALTERNATE:
            start, end, meeting_type = _alternate(
                locked, start=alternate_start, end=alternate_end, meeting_type=alternate_meeting_type, now=now
            )
            locked.alternate_start, locked.alternate_end, locked.alternate_meeting_type = start, end, meeting_type
            locked.status = Conflict.Status.ALTERNATE_SUGGESTED
        else:
            locked.status = Conflict.Status.APPROVED if decision == "approve" else Conflict.Status.DECLINED
        locked.decision = decision
        locked.owner_notes = (notes or "").strip()
        locked.responded_by = actor if getattr(actor, "pk", None) else None
        locked.responded_at = now
        locked.response_channel = channel
        locked.save()
        rollup_add([(locked.location_id, now, {"conflicts_answered": 1})])  # the dashboard's count
        _sync_hold(locked, now)
        reason, instructions = _conflict_instructions(locked)
        Callback.objects.create(
            location=locked.location,
            lead=locked.lead,
            conflict=locked,
            reason=reason,
            instructions=instructions,
            created_at=now,
        )
        notify_location(
            location=locked.location,
            kind="conflict_answered",
            subject=locked,
            context={"conflict": locked, "lead": locked.lead, "answer": describe_answer(locked)},
            idempotency_key=f"conflict:{locked.pk}:answered",
        )
    return locked


# --- reminders -------------------------------------------------------------------------------
def business_hours_between(start: dt.datetime, end: dt.datetime, zone) -> float:
    """Hours of Mon–Fri 9:00–17:00 (local) between two instants. Pure."""
    if end <= start:
        return 0.0
    total = dt.timedelta()
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    while day <= last:
        if is_business_day(day):
            open_at = dt.datetime.combine(day, BUSINESS_OPEN, tzinfo=zone)
            close_at = dt.datetime.combine(day, BUSINESS_CLOSE, tzinfo=zone)
            lo, hi = max(open_at, start), min(close_at, end)
            if hi > lo:
                total += hi - lo
        day += dt.timedelta(days=1)
    return total.total_seconds() / 3600


def conflicts_remind_unanswered(*, now: dt.datetime | None = None) -> int:
    """DESIGN.md "Reminders": a conflict unanswered for CONFLICT_REMINDER_BUSINESS_HOURS business
    hours (Mon–Fri 9–17 in the Location's zone) since it was raised or last reminded is notified
    again, at most twice. Each reminder is claimed with a conditional UPDATE (a second worker or
    a retry cannot send it twice)."""
    now = now or timezone.now()
    threshold = settings.CONFLICT_REMINDER_BUSINESS_HOURS
    candidates = Conflict.objects.filter(
        status=Conflict.Status.PENDING,
        reminders_sent__lt=MAX_REMINDERS,
        created_at__lte=now - dt.timedelta(hours=threshold),
    ).select_related("location", "lead")
    sent = 0
    for conflict in candidates:
        since = conflict.last_reminded_at or conflict.created_at
        if business_hours_between(since, now, conflict.location.zone) < threshold:
            continue
        with transaction.atomic():
            claimed = Conflict.objects.filter(
                pk=conflict.pk, status=Conflict.Status.PENDING, reminders_sent=conflict.reminders_sent
            ).update(reminders_sent=conflict.reminders_sent + 1, last_reminded_at=now)
            if not claimed:
                continue
            number = conflict.reminders_sent + 1
            _notify_conflict(conflict, kind="conflict_reminder", key=f"conflict:{conflict.pk}:reminder:{number}")
            sent += 1
    return sent
