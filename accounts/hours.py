"""Business hours, one definition (seed 002): Monday to Friday, 9:00 to 17:00 in the Location's
own time. Call routing (messaging.routing) and conflict reminders (conflicts.services) read it."""

from __future__ import annotations

from datetime import date, time

BUSINESS_OPEN, BUSINESS_CLOSE = time(9), time(17)
BUSINESS_WEEKDAYS = frozenset(range(5))  # Monday … Friday


def is_business_day(day: date) -> bool:
    return day.weekday() in BUSINESS_WEEKDAYS
