"""Writes of the calendars capability: booking, cancelling, rescheduling, reminders (availability
is `availability.py`).

Every rule is DESIGN.md "Calendars" (seed 000 for the same-day rule and force booking).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Location
from accounts.permissions import SYSTEM, Action, require
from leads.rollups import rollup_add
from leads.selectors import lead_call_near
from leads.services import lead_set_status
from notifications.outbox import notify_lead, notify_location
from pronexis.errors import Refused
from pronexis.locks import lock

from . import approvals, holds, push
from . import slots as slot_search
from .models import Appointment
from .selectors import is_booked_between, within_availability

SAME_DAY_API = "/api/v1/same-day-requests/"
OVERLAP_MESSAGE = "Another appointment is already booked at that time; pick another slot."
# A call_at this recent is the call in progress; an older one must match a call record.
CALL_AT_GRACE = timedelta(minutes=15)


# --- booking -----------------------------------------------------------------------------------
def _set_lead_status(lead, status: str, note: str) -> None:
    if lead.status == status or lead.status == "test_lead":
        return
    lead_set_status(lead=lead, status=status, actor=SYSTEM, actor_kind="system", note=note)


def _approved_same_day_request(*, lead, start: datetime, end: datetime, given=None):
    """The lead's approved same-day request covering [start, end) (seed 000), or None."""
    if given is not None:
        return given if given.approves(lead=lead, start=start, end=end) else None
    return approvals.same_day_covering(lead=lead, start=start, end=end)


def _check_conflict(conflict, lead, *, start: datetime, end: datetime, meeting_type: str) -> None:
    """A booking from a conflict is the time and meeting type the owner agreed to, nothing else."""
    if conflict.lead_id != lead.pk:
        raise ValidationError({"conflict": "That conflict is about another lead."})
    agreed = conflict.agreed_booking()
    if agreed is None:
        raise ValidationError({"conflict": f"That conflict is {conflict.get_status_display().lower()}, not approved."})
    agreed_start, agreed_end, agreed_type = agreed
    if not (agreed_start <= start and end <= agreed_end) or meeting_type != agreed_type:
        zone = lead.location.zone
        raise ValidationError(
            {
                "conflict": f"The owner agreed to {agreed_start.astimezone(zone):%a %b %d, %H:%M}–"
                f"{agreed_end.astimezone(zone):%H:%M} ({agreed_type}) in this conflict, not to this time "
                "or meeting type."
            }
        )


def _check_call_at(lead, call_at: datetime, now: datetime) -> None:
    """`call_at` moves the 24-hour reference of seed 000 ("24 hours or less from the time of the
    phone call"), so it must name a real call of this lead: not before the lead existed, not in
    the future, and — when more than 15 minutes ago — within 15 minutes of a call record of the
    lead's phone (DESIGN.md "Rules tightened"). Otherwise the same-day rule could be skipped."""

    if call_at > now:
        raise ValidationError({"call_at": "The call cannot be in the future: give the time of the lead's call."})
    if call_at < lead.created_at:
        raise ValidationError(
            {"call_at": "The call is before the lead existed: give the time of a call of this lead (seed 000)."}
        )
    if now - call_at > CALL_AT_GRACE and not lead_call_near(lead=lead, at=call_at, window=CALL_AT_GRACE):
        raise ValidationError(
            {
                "call_at": "No call of this lead's phone is recorded within 15 minutes of this time: the 24-hour "
                "rule counts from a real call (seed 000). Record the call first, or leave call_at out."
            }
        )


def _address_for(lead, location: Location, meeting_type: str, address: str) -> str:
    if address:
        return address
    if meeting_type == Location.MeetingType.OFFICE:
        return location.address
    if meeting_type == Location.MeetingType.CLIENT_HOME:
        return lead.address
    return ""


def _insert_booked(appointment: Appointment) -> Appointment:
    """Insert (or convert a hold) under a savepoint: the exclusion constraint catching a race is a
    409, never a 500."""
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as error:
        if "appointment_no_overlap" in str(error):
            raise Refused(OVERLAP_MESSAGE)
        raise
    return appointment


def _overlapping(location_id: int, start: datetime, end: datetime, exclude_id: int | None = None):
    # A seam of its own: the race test patches it to reach the exclusion constraint.
    return is_booked_between(location_id=location_id, start=start, end=end, exclude_id=exclude_id)


def appointment_book(
    *,
    lead,
    start: datetime,
    end: datetime,
    meeting_type: str,
    address: str = "",
    booked_by=None,
    force: bool = False,
    conflict=None,
    same_day_request=None,
    call_at: datetime | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Book an appointment for a lead at its Location (DESIGN.md "Calendars" → Appointments).

    - `answering_only` Locations take no bookings (Refused).
    - Inside availability, or force booked outside it only with the owner's approval: `conflict`
      a conflict of the lead whose owner agreed to this time and meeting type (approved: the
      requested one; alternate suggested: their alternate), or an approved same-day request
      (books by itself, forced when needed) — otherwise 400 (ValidationError).
    - A start within 24 h of the call (`call_at`, default now) needs an approved same-day request
      of the lead covering it (seed 000) — otherwise Refused pointing to the same-day API.
      `call_at` must name a real call of the lead (`_check_call_at`) — otherwise 400.
    - No overlap with another booked appointment, forced or not: check under a lock on the
      Location row, backed by the exclusion constraint (Refused → 409).
    - Another lead's hold on the time (a pending conflict or same-day request: `calendars.holds`)
      refuses it (Refused → 409 naming the request); the lead's own hold becomes the booking, the
      same row in the same transaction.
    - The lead becomes `converted`; the owner is notified (booking / forced_booking) and the
      client gets a confirmation, after commit.
    """
    now = now or timezone.now()
    if call_at is not None:
        _check_call_at(lead, call_at, now)
    call_at = call_at or now
    location = lead.location
    if location is None:
        raise ValidationError({"lead": "This lead belongs to no Location; it cannot be booked."})
    if not location.takes_bookings:
        raise Refused(f"{location.name} is on the answering service only and takes no bookings.")
    if booked_by is not None:  # None: the owner's approval books it (same_day_respond)
        require(booked_by, Action.BOOK, location)
    if conflict is not None:
        _check_conflict(conflict, lead, start=start, end=end, meeting_type=meeting_type)
    # A meeting place the Location does not offer only with a conflict whose owner agreed to it
    # (seed 004: a location conflict); booked forced, outside availability.
    if meeting_type not in location.meeting_types and conflict is None:
        raise ValidationError({"meeting_type": f"{location.name} does not offer “{meeting_type}” meetings."})
    if end <= start:
        raise ValidationError({"end": "The appointment must end after it starts."})
    if start < now:
        raise ValidationError({"start": "The appointment cannot start in the past."})
    if (
        same_day_request is not None
        and _approved_same_day_request(lead=lead, start=start, end=end, given=same_day_request) is None
    ):
        raise ValidationError({"same_day_request": "That same-day request is not an approved request for this time."})

    # Another lead's hold: say which request holds the time before any other rule (409).
    holds.refuse_if_held(location_id=location.pk, lead_id=lead.pk, start=start, end=end, now=now)

    if start < call_at + slot_search.SAME_DAY_WINDOW:
        same_day_request = same_day_request or _approved_same_day_request(lead=lead, start=start, end=end)
        if same_day_request is None:
            raise Refused(
                "This appointment starts within 24 hours of the call: it needs the owner's approval. "
                f"Raise a same-day request first (POST {SAME_DAY_API})."
            )

    inside = within_availability(location=location, start=start, end=end, meeting_type=meeting_type)
    if not inside and conflict is None and same_day_request is None:
        message = (
            "This time is outside the owner's availability: raise a conflict and book it with the approved conflict."
        )
        raise ValidationError({"force" if force else "start": message})

    with transaction.atomic():
        lock(Location.objects.filter(pk=location.pk)).first()
        hold = holds.claim_for_booking(location_id=location.pk, lead_id=lead.pk, start=start, end=end, now=now)
        if _overlapping(location.pk, start, end):
            raise Refused(OVERLAP_MESSAGE)
        # The lead's own hold becomes the booking: the same row, so the time is never free between.
        appointment = hold or Appointment(location=location, lead=lead)
        appointment.status, appointment.hold_expires_at = Appointment.Status.BOOKED, None
        appointment.start, appointment.end, appointment.meeting_type = start, end, meeting_type
        appointment.address = _address_for(lead, location, meeting_type, address)
        appointment.forced = not inside
        appointment.booked_by = booked_by if getattr(booked_by, "pk", None) else None
        appointment.conflict = conflict or (hold.conflict if hold else None)
        appointment.same_day_request = same_day_request or (hold.same_day_request if hold else None)
        appointment.created_at = now
        appointment = _insert_booked(appointment)
        rollup_add([(location.pk, appointment.created_at, {"appointments": 1})])  # the dashboard's count
        push.bookings_changed(appointment, now=now)  # the owner's CalDAV calendar, queued
        _set_lead_status(lead, "converted", note=f"Appointment #{appointment.pk} booked.")
        kind = "forced_booking" if appointment.forced else "booking"
        context = {"appointment": appointment, "local_start": start.astimezone(location.zone)}
        notify_location(
            location=location,
            kind=kind,
            subject=appointment,
            context=context,
            idempotency_key=f"appointment:{appointment.pk}:{kind}",
        )
        notify_lead(
            lead=lead,
            kind="client_confirmation",
            subject=appointment,
            context=context,
            idempotency_key=f"appointment:{appointment.pk}:client_confirmation",
        )
    return appointment


def _lock_booked(appointment: Appointment) -> Appointment:
    locked = lock(Appointment.objects.select_related("location", "lead")).get(pk=appointment.pk)
    if locked.status != Appointment.Status.BOOKED:
        raise Refused(f"This appointment is already {locked.get_status_display().lower()}.")
    return locked


def appointment_cancel(*, appointment: Appointment, actor, reason: str = "", now: datetime | None = None):
    """Cancel a booked appointment (owners, managers, staff and agents): the lead becomes
    `cancelled` when it has no other booked appointment; the owner is notified (kind
    "cancellation"). Cancelled appointments stay counted in the month they were booked."""
    require(actor, Action.CANCEL_APPOINTMENT, appointment.location)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_booked(appointment)
        locked.status = Appointment.Status.CANCELLED
        locked.cancelled_at = now
        locked.cancel_reason = (reason or "").strip()[:250]
        locked.save(update_fields=["status", "cancelled_at", "cancel_reason", "updated_at"])
        push.bookings_changed(locked, now=now)
        lead = locked.lead
        if not Appointment.objects.filter(lead=lead, status=Appointment.Status.BOOKED).exists():
            if lead.status == "converted":
                _set_lead_status(lead, "cancelled", note=f"Appointment #{locked.pk} cancelled.")
        notify_location(
            location=locked.location,
            kind="cancellation",
            subject=locked,
            context={"appointment": locked, "local_start": locked.start.astimezone(locked.location.zone)},
            idempotency_key=f"appointment:{locked.pk}:cancellation",
        )
    _copy(locked, appointment)
    return appointment


def appointment_reschedule(
    *, appointment: Appointment, actor, start: datetime, end: datetime | None = None, now: datetime | None = None
) -> Appointment:
    """Move a booked appointment to another time within availability (owner, manager or staff);
    the length is kept unless `end` is given. Overlaps are refused (409)."""
    require(actor, Action.CHANGE_APPOINTMENT, appointment.location)
    now = now or timezone.now()
    end = end or start + (appointment.end - appointment.start)
    if end <= start:
        raise ValidationError({"end": "The appointment must end after it starts."})
    if start < now:
        raise ValidationError({"start": "The new time is in the past."})
    location = appointment.location
    if not within_availability(location=location, start=start, end=end, meeting_type=appointment.meeting_type):
        raise ValidationError({"start": "The new time is outside your availability for this meeting type."})
    with transaction.atomic():
        lock(Location.objects.filter(pk=location.pk)).first()
        locked = _lock_booked(appointment)
        holds.refuse_if_held(location_id=location.pk, lead_id=locked.lead_id, start=start, end=end, now=now)
        if _overlapping(location.pk, start, end, exclude_id=locked.pk):
            raise Refused(OVERLAP_MESSAGE)
        old_start = locked.start
        locked.start, locked.end, locked.forced, locked.reminder_sent_at = start, end, False, None
        try:
            with transaction.atomic():
                locked.save(update_fields=["start", "end", "forced", "reminder_sent_at", "updated_at"])
        except IntegrityError as error:
            if "appointment_no_overlap" in str(error):
                raise Refused(OVERLAP_MESSAGE)
            raise
        push.bookings_changed(locked, now=now)
        context = {
            "appointment": locked,
            "local_start": start.astimezone(location.zone),
            "old_local_start": old_start.astimezone(location.zone),
        }
        notify_location(
            location=location,
            kind="reschedule",
            subject=locked,
            context=context,
            idempotency_key=f"appointment:{locked.pk}:reschedule:{start.isoformat()}",
        )
        notify_lead(
            lead=locked.lead,
            kind="client_confirmation",
            subject=locked,
            context=context,
            idempotency_key=f"appointment:{locked.pk}:client_confirmation:{start.isoformat()}",
        )
    _copy(locked, appointment)
    return appointment


def appointment_set_status(*, appointment: Appointment, actor, status: str, now: datetime | None = None):
    """Mark a booked appointment `completed` or `no_show` once it has started (owner, manager or staff)."""
    require(actor, Action.CHANGE_APPOINTMENT, appointment.location)
    now = now or timezone.now()
    if status not in (Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW):
        raise ValidationError({"status": "Choose completed or no-show."})
    with transaction.atomic():
        locked = _lock_booked(appointment)
        if locked.start > now:
            raise Refused("The appointment has not started yet; it can be marked once it has.")
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
    _copy(locked, appointment)
    return appointment


def _copy(source: Appointment, target: Appointment) -> None:
    if source is not target:
        for name in ("status", "start", "end", "forced", "cancelled_at", "cancel_reason", "reminder_sent_at"):
            setattr(target, name, getattr(source, name))


# --- reminders ---------------------------------------------------------------------------------
def appointment_send_reminder(*, appointment_id: int, now: datetime | None = None) -> bool:
    """The client's reminder the day before (kind "client_reminder"), once per appointment:
    claimed with a conditional UPDATE so a retry or a second worker cannot send twice."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Appointment.objects.filter(
            pk=appointment_id, status=Appointment.Status.BOOKED, reminder_sent_at__isnull=True
        ).update(reminder_sent_at=now)
        if not claimed:
            return False
        appointment = Appointment.objects.select_related("lead", "location").get(pk=appointment_id)
        local_start = appointment.start.astimezone(appointment.location.zone)
        notify_lead(
            lead=appointment.lead,
            kind="client_reminder",
            subject=appointment,
            context={"appointment": appointment, "local_start": local_start},
            idempotency_key=f"appointment:{appointment.pk}:client_reminder:{appointment.start.isoformat()}",
        )
    return True


def appointments_due_for_reminder(*, now: datetime | None = None) -> list[int]:
    """Booked appointments starting within the next 24 h (the day before), not yet reminded,
    booked at least a day ahead (a same-day booking has just had its confirmation)."""
    now = now or timezone.now()
    return list(
        Appointment.objects.filter(
            status=Appointment.Status.BOOKED,
            reminder_sent_at__isnull=True,
            start__gt=now,
            start__lte=now + timedelta(hours=24),
            created_at__lte=F("start") - timedelta(hours=24),
        ).values_list("pk", flat=True)
    )
