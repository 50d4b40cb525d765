"""Two-way calendar sync: bookings put into the owner's CalDAV calendar marked "put bookings here"
(DESIGN.md "Round 2 contracts" → Calendar truth).

A reliable queued path, like the notification outbox. Booking, rescheduling and cancelling mark a
`BookingPush` row per (push source, appointment) as due, in the booking's own transaction — a
CalDAV server that is down never slows or blocks a booking. A Celery task (after commit, and the
beat every minute) claims each due row with a conditional UPDATE (a lease), so two workers never
push the same row at once, and pushes the appointment's *current* state: a booked appointment is
written as one event with a stable UID (created or replaced), a cancelled one is removed. A
failure keeps the row due later with a growing back-off and the error for the admin; nothing is
lost, and a change made during a push is pushed again (the row's `version`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from icalendar import Calendar, Event

from notifications.phi import phi_mode

from . import credentials, remote
from .models import Appointment, BookingPush, CalendarSource

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # a worker that died mid-push gives the row back after this
MAX_BACKOFF = timedelta(hours=1)
BATCH = 200


def event_uid(appointment_id: int) -> str:
    """The booking's stable UID in the owner's calendar (also how refreshes skip our own events)."""
    return f"booking-{appointment_id}@pronexis"


def booking_ical(appointment: Appointment) -> str:
    """One VEVENT: the lead's first name and the meeting place (never the whole contact), the portal
    link; for a PHI-mode brand only "Appointment" and the link."""
    calendar = Calendar()
    calendar.add("prodid", "-//ProNexis Portal//Bookings//EN")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", event_uid(appointment.pk))
    event.add("dtstamp", appointment.updated_at.astimezone(UTC))
    event.add("dtstart", appointment.start.astimezone(UTC))
    event.add("dtend", appointment.end.astimezone(UTC))
    label = appointment.get_meeting_type_display()
    link = f"{settings.PUBLIC_BASE_URL}{appointment.get_absolute_url()}"
    event.add("url", link)
    if phi_mode(appointment.location):  # PHI mode: the owner's calendar is outside the login
        event.add("summary", "Appointment")
        event.add("description", link)
    else:
        event.add("summary", f"{appointment.lead.first_name or 'Client'} — {label}")
        event.add("location", appointment.address or label)
        event.add("description", f"{label} with {appointment.lead.first_name or 'a client'}. {link}")
    event.add("status", "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical().decode()


def bookings_changed(appointment: Appointment, *, now: datetime | None = None) -> int:
    """Mark the appointment due for every "put bookings here" source of its Location — inside
    the caller's transaction; the task is asked after commit. Returns the rows marked."""
    now = now or timezone.now()
    sources = list(
        CalendarSource.objects.filter(location_id=appointment.location_id, push_bookings=True).values_list(
            "pk", flat=True
        )
    )
    for source_id in sources:
        row, created = BookingPush.objects.get_or_create(
            source_id=source_id,
            appointment_id=appointment.pk,
            defaults={"location_id": appointment.location_id, "due_at": now, "created_at": now},
        )
        if not created:
            BookingPush.objects.filter(pk=row.pk).update(due_at=now, attempts=0, version=F("version") + 1)
    if sources:
        transaction.on_commit(_ask_worker)
    return len(sources)


def bookings_backfill(source: CalendarSource, *, now: datetime | None = None) -> int:
    """A calendar just marked "put bookings here" receives the Location's upcoming bookings too."""
    now = now or timezone.now()
    upcoming = Appointment.objects.filter(
        location_id=source.location_id, status=Appointment.Status.BOOKED, end__gt=now
    ).values_list("pk", flat=True)
    rows = [
        BookingPush(location_id=source.location_id, source=source, appointment_id=pk, due_at=now, created_at=now)
        for pk in upcoming
    ]
    BookingPush.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        transaction.on_commit(_ask_worker)
    return len(rows)


def _ask_worker() -> None:
    from .tasks import push_bookings

    try:
        push_bookings.delay()
    except Exception:  # broker unreachable: the beat pushes the rows later
        logger.warning("could not enqueue the booking push; the beat will run it", exc_info=True)


def _claim(row_id: int, now: datetime) -> BookingPush | None:
    """Conditional UPDATE: 1 row means this worker holds the lease."""
    claimed = (
        BookingPush.objects.filter(pk=row_id, due_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + LEASE)
    )
    if not claimed:
        return None
    return BookingPush.objects.select_related("source", "appointment__lead", "appointment__location").get(pk=row_id)


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** min(attempts, 10)), MAX_BACKOFF)


def push_one(row_id: int, *, now: datetime | None = None) -> bool | None:
    """Push one row's appointment as it is now; True pushed, False failed (due again later),
    None not claimed (not due, or another worker has it)."""
    now = now or timezone.now()
    row = _claim(row_id, now)
    if row is None:
        return None
    source, appointment = row.source, row.appointment
    try:
        password = credentials.decrypt(source.password_encrypted)
        if appointment.status == Appointment.Status.CANCELLED:
            remote.caldav_delete(source.url, username=source.username, password=password, uid=event_uid(appointment.pk))
        else:  # booked (a visit marked completed or no-show stays in the owner's calendar)
            remote.caldav_put(source.url, username=source.username, password=password, ical=booking_ical(appointment))
    except (remote.SourceError, ValueError) as exc:
        attempts = row.attempts + 1
        BookingPush.objects.filter(pk=row.pk).update(
            attempts=attempts,
            due_at=now + _backoff(attempts),
            last_error=str(exc)[:500],
            claimed_until=None,
        )
        return False
    # Done — unless the appointment changed while we pushed (version moved): then it stays due.
    done = BookingPush.objects.filter(pk=row.pk, version=row.version).update(
        due_at=None, pushed_at=now, attempts=0, last_error="", claimed_until=None
    )
    if not done:
        BookingPush.objects.filter(pk=row.pk).update(claimed_until=None)
    return True


def push_due(*, now: datetime | None = None) -> tuple[int, int]:
    """Every due row, oldest first (the task and the beat) — (pushed, failed)."""
    now = now or timezone.now()
    ids = list(
        BookingPush.objects.filter(due_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("due_at", "id")
        .values_list("pk", flat=True)[:BATCH]
    )
    pushed = failed = 0
    for row_id in ids:
        result = push_one(row_id, now=now)
        pushed += result is True
        failed += result is False
    return pushed, failed
