"""Writes of the conflicts capability: raising and answering conflicts (seed 004) and same-day
requests (seed 000), the agents' callback queue, reminders and expiry.

Every channel — Action Center, calendar tab, e-mail link, SMS link, e-mail reply, API, phone —
calls `conflict_respond` / `same_day_respond`; none of them writes these rows itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Location, Membership
from accounts.permissions import Action, require, roles_for
from calendars.holds import hold_sync
from calendars.selectors import is_booked_between, is_free_to_book
from calendars.services import appointment_book
from leads.models import Lead
from leads.services import lead_conversion_blocker, lead_set_status
from notifications.outbox import notify_email, notify_location
from pronexis.errors import Refused
from pronexis.locks import lock

from . import links
from .models import Callback, Conflict, ResponseLinkUse, SameDayRequest

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
    raised_by=None,
    now: dt.datetime | None = None,
) -> Conflict:
    """Seed 004: an agent raises a schedule or location conflict — only a real one
    (`conflict_check_applies`); the Location is e-mailed (with Approve / Decline /
    Suggest-alternate links and a signed Reply-To) and texted a reminder."""
    now = now or timezone.now()
    location = _lead_location(lead)
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
            raised_by=raised_by if getattr(raised_by, "pk", None) else None,
            created_at=now,
        )
        _sync_hold(conflict, now)
        _notify_conflict(conflict, kind="conflict_raised", key=f"conflict:{conflict.pk}:raised")
    return conflict


def _notify_conflict(conflict: Conflict, *, kind: str, key: str) -> None:
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
    meeting_type: str,
    raised_by=None,
    now: dt.datetime | None = None,
) -> SameDayRequest:
    """Seed 000: a lead wants an appointment within 24 h of the call; the agent asks the owner —
    only when the owner could approve it (`same_day_blocker`; otherwise Refused → 409)."""
    now = now or timezone.now()
    location = _lead_location(lead)
    errors = {}
    if meeting_type not in location.meeting_types:
        errors["meeting_type"] = f"{location.name} does not offer “{meeting_type}” meetings."
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
            meeting_type=meeting_type,
            raised_by=raised_by if getattr(raised_by, "pk", None) else None,
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
                "meeting_type_label": MEETING_TYPES.get(meeting_type, ""),
                "links": _answer_links("same_day", request, ("approve", "decline"), "email_link"),
                "sms_links": _answer_links("same_day", request, ("approve", "decline"), "sms_link"),
            },
            idempotency_key=f"same_day:{request.pk}:raised",
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
        requested = f"{describe_time(locked.requested_start, location)}, {MEETING_TYPES.get(locked.meeting_type, '')}"
        if decision == "approve":
            appointment = appointment_book(
                lead=locked.lead,
                start=locked.requested_start,
                end=locked.requested_end,
                meeting_type=locked.meeting_type,
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


# --- answer links ----------------------------------------------------------------------------
def answer_link_use(
    *, link: links.AnswerLink, notes: str = "", now: dt.datetime | None = None, **alternate
) -> Conflict | SameDayRequest:
    """Answer through a signed e-mail/SMS link: once per link (ResponseLinkUse), for its own item
    and decision; the signature is the credential (answered as the notification recipient)."""
    now = now or timezone.now()
    if link.kind == "same_day" and link.decision == SameDayRequest.Decision.APPROVE:
        # Outside the link's transaction: an approval that became impossible closes the request
        # even though this answer is refused (same_day_respond does the same for the portal).
        same_day_close_if_impossible(request=_link_item(link), now=now)
    with transaction.atomic():
        item = _link_item(link)
        if not item.is_pending:
            raise Refused(describe_answer(item))
        _, created = ResponseLinkUse.objects.get_or_create(
            digest=link.digest, defaults={"location_id": item.location_id, "used_at": now}
        )
        if not created:
            raise Refused("This link has already been used.")
        if link.kind == "conflict":
            return conflict_respond(
                conflict=item,
                actor=None,
                decision=link.decision,
                notes=notes,
                channel=link.channel,
                now=now,
                **alternate,
            )
        return same_day_respond(
            request=item, actor=None, decision=link.decision, notes=notes, channel=link.channel, now=now
        )


def _link_item(link: links.AnswerLink):
    model = Conflict if link.kind == "conflict" else SameDayRequest
    item = model.objects.select_related("location", "lead").filter(pk=link.object_id).first()
    if item is None:
        raise links.LinkInvalid("This link is not valid any more: the request no longer exists.")
    return item


def answer_link_item(link: links.AnswerLink):
    """The item a link answers, and whether it was used already (for the confirmation page)."""
    item = _link_item(link)
    used = ResponseLinkUse.objects.filter(digest=link.digest).exists()
    return item, used


# --- e-mail replies --------------------------------------------------------------------------
def sender_may_answer(*, location: Location, sender: str):
    """(allowed, user): an owner or manager of the Location, or one of its notification
    addresses (answered as that user when the address is a member's, else as the recipient)."""

    sender = (sender or "").strip().lower()
    if not sender:
        return False, None
    membership = (
        Membership.objects.filter(location=location, user__email__iexact=sender, user__is_active=True)
        .select_related("user")
        .first()
    )
    if membership and membership.role in roles_for(Action.ANSWER):
        return True, membership.user
    if sender in {e.lower() for e in location.notification_emails}:
        return True, None
    return False, None


def conflict_reply_received(*, recipients: list[str], sender: str, body: str, now: dt.datetime | None = None) -> str:
    """Reply by e-mail (seed 004): the reply must come to a conflict's signed Reply-To and from an
    owner/manager of its Location or one of its notification addresses. Its new text is parsed
    (conflicts.reply_parser); a reply not understood gets the accepted forms and changes nothing.
    Returns what happened: unsigned | unknown | wrong_sender | answered | refused | help.
    """
    from .reply_parser import ACCEPTED_FORMS, parse_reply

    now = now or timezone.now()
    conflict_id = next((cid for cid in map(links.conflict_id_from_address, recipients) if cid), None)
    if conflict_id is None:
        return "unsigned"
    conflict = Conflict.objects.select_related("location", "lead").filter(pk=conflict_id).first()
    if conflict is None:
        return "unknown"
    allowed, user = sender_may_answer(location=conflict.location, sender=sender)
    if not allowed:
        return "wrong_sender"
    parsed = parse_reply(
        body,
        now=now,
        zone=conflict.location.zone,
        requested_start=conflict.requested_start,
        requested_meeting_type=conflict.requested_meeting_type,
    )
    # A stable digest (Python's str hash differs per process): a redelivered reply answers once.
    key = f"conflict:{conflict.pk}:reply:{sender}:{hashlib.sha256(body.encode()).hexdigest()[:16]}"
    if parsed is None:
        notify_email(
            to=sender,
            kind="reply_help",
            subject=conflict,
            context={
                "conflict": conflict,
                "accepted_forms": ACCEPTED_FORMS,
                "reply_to": links.reply_to_address(conflict.pk),
            },
            idempotency_key=key + ":help",
            location=conflict.location,
        )
        return "help"
    try:
        conflict_respond(
            conflict=conflict,
            actor=user,
            decision=parsed.decision,
            alternate_start=parsed.alternate_start,
            alternate_meeting_type=parsed.meeting_type,
            channel=Conflict.Channel.EMAIL_REPLY,
            notes="",
            now=now,
        )
    except (Refused, ValidationError, PermissionDenied) as error:
        message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        notify_email(
            to=sender,
            kind="reply_help",
            subject=conflict,
            context={
                "conflict": conflict,
                "accepted_forms": ACCEPTED_FORMS,
                "refusal": message,
                "reply_to": links.reply_to_address(conflict.pk),
            },
            idempotency_key=key + ":refused",
            location=conflict.location,
        )
        return "refused"
    return "answered"


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


# --- reminders -------------------------------------------------------------------------------
BUSINESS_START, BUSINESS_END = dt.time(9), dt.time(17)


def business_hours_between(start: dt.datetime, end: dt.datetime, zone) -> float:
    """Hours of Mon–Fri 9:00–17:00 (local) between two instants. Pure."""
    if end <= start:
        return 0.0
    total = dt.timedelta()
    day = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    while day <= last:
        if day.weekday() < 5:
            open_at = dt.datetime.combine(day, BUSINESS_START, tzinfo=zone)
            close_at = dt.datetime.combine(day, BUSINESS_END, tzinfo=zone)
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
