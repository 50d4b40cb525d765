"""Celery tasks of the calendars capability (names fixed in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task
from django.utils.dateparse import parse_datetime

from . import services


@shared_task(name="calendars.tasks.send_appointment_reminders")
def send_appointment_reminders(now: str | None = None) -> int:
    """The client's reminder the day before: each due appointment once (claimed by a
    conditional UPDATE in `appointment_send_reminder`, so overlapping beats cannot send twice)."""
    moment = parse_datetime(now) if now else None
    sent = 0
    for appointment_id in services.appointments_due_for_reminder(now=moment):
        sent += services.appointment_send_reminder(appointment_id=appointment_id, now=moment)
    return sent


@shared_task(name="calendars.tasks.refresh_calendar_sources")
def refresh_calendar_sources() -> int:
    """Each calendar source read again every CALENDAR_SOURCE_REFRESH_MINUTES (the beat runs
    every minute and refreshes those due); returns the number that failed."""
    from .sources import calendar_sources_refresh

    return calendar_sources_refresh()[1]


@shared_task(name="calendars.tasks.release_expired_holds")
def release_expired_holds() -> int:
    """Slot holds past their expiry (a same-day request's start, a conflict's start or HOLD_DAYS)
    give their time back; returns how many."""
    from .holds import holds_release_expired

    return holds_release_expired()


@shared_task(name="calendars.tasks.push_bookings")
def push_bookings() -> int:
    """Put due bookings into the owners' "put bookings here" CalDAV calendars (asked after each
    booking change, and by the beat every minute for retries); returns how many failed."""
    from .push import push_due

    return push_due()[1]
