"""Business hours, one definition (seed 002): Monday to Friday, 9:00 to 17:00 in the Location's
own time. Call routing (messaging.routing) and conflict reminders (conflicts.services) read it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

BUSINESS_OPEN, BUSINESS_CLOSE = time(9), time(17)
BUSINESS_WEEKDAYS = frozenset(range(5))  # Monday … Friday


def is_business_day(day: date) -> bool:
    return day.weekday() in BUSINESS_WEEKDAYS


def business_deadline(start: datetime, hours: float, zone) -> datetime:
    """The instant `hours` business hours after `start` (local Mon–Fri 9:00–17:00 in `zone`): when
    a conflict's reminder falls due, the Action Center's target for answering it. Pure."""
    remaining = timedelta(hours=hours)
    local = start.astimezone(zone)
    day = local.date()
    for _ in range(366 * 2):  # a bounded walk: hours are a handful, weekends at most two days
        if is_business_day(day):
            open_at = datetime.combine(day, BUSINESS_OPEN, tzinfo=zone)
            close_at = datetime.combine(day, BUSINESS_CLOSE, tzinfo=zone)
            begin = max(open_at, local)
            if close_at > begin:
                if begin + remaining <= close_at:
                    return begin + remaining
                remaining -= close_at - begin
        day += timedelta(days=1)
    raise ValueError(f"no deadline within two years for {hours} business hours")
