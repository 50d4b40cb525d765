"""Busy time of an owner's own calendar: a pure function, no database, no network
(DESIGN.md "Calendar truth").

Recurrences are expanded by `recurring-ical-events` in each event's own zone — RRULE, EXDATE,
RECURRENCE-ID overrides (a moved instance replaces its occurrence), so an event across a DST
change keeps its local wall-clock time. Instances or series with STATUS:CANCELLED and events
marked TRANSP:TRANSPARENT ("free") are not busy, nor the bookings the portal put there itself
(`calendars.push`: booked already). All-day events cover their local dates in the Location's
zone, floating times are the Location's local time. Only instants are kept, never a title.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import recurring_ical_events
import x_wr_timezone
from icalendar import Calendar

HORIZON_DAYS = 90


def _is_own_booking(uid: str) -> bool:
    """The UID `calendars.push.event_uid` gives the bookings it puts into a CalDAV calendar."""
    return uid.startswith("booking-") and uid.endswith("@pronexis")


def _instant(value: date | datetime, zone: tzinfo) -> datetime:
    if not isinstance(value, datetime):  # an all-day date: local midnight in the Location's zone
        value = datetime.combine(value, time(0), tzinfo=zone)
    elif value.tzinfo is None:  # a floating time: the Location's local time
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def merge_calendars(bodies: Iterable[bytes | str]) -> Calendar:
    """One calendar of every VEVENT and VTIMEZONE of several (a CalDAV calendar is one per event)."""
    merged = Calendar()
    for body in bodies:
        calendar = x_wr_timezone.to_standard(Calendar.from_ical(body))
        for component in calendar.subcomponents:
            if component.name in ("VEVENT", "VTIMEZONE"):
                merged.add_component(component)
    return merged


def busy_intervals(
    bodies: Iterable[bytes | str], *, zone: tzinfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """UTC (start, end) of every busy occurrence touching [start, end), sorted."""
    calendar = merge_calendars(bodies)
    found = set()
    for event in recurring_ical_events.of(calendar).between(start, end):
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        if str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
            continue
        if _is_own_booking(str(event.get("UID", ""))):  # a booking we put there: booked already
            continue
        begin = event.get("DTSTART")
        if begin is None:
            continue
        begin = begin.dt
        finish = event["DTEND"].dt if event.get("DTEND") is not None else None
        if finish is None:
            duration = event["DURATION"].dt if event.get("DURATION") is not None else None
            if duration is not None:
                finish = begin + duration
            elif not isinstance(begin, datetime):
                finish = begin + timedelta(days=1)  # RFC 5545: an all-day event without an end is one day
            else:
                continue  # an instant takes no time
        interval = (_instant(begin, zone), _instant(finish, zone))
        if interval[1] > interval[0]:
            found.add(interval)
    return sorted(found)
