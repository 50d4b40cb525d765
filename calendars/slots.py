"""Slot search: a pure function, no database (DESIGN.md "Calendars" → Slot search).

Availability is stated in the Location's local wall-clock time (weekly windows per weekday, date
exceptions); bookings and answers are absolute instants (aware datetimes, UTC in and out).

How local time becomes absolute time, and why it is DST-correct:
- Each local date in the range is resolved separately: a window 09:00–17:00 on a Sunday is
  `datetime(date, 09:00, tzinfo=zone)` → UTC, so the offset of *that* day applies; a window
  ending at 00:00 ends at the next day's local midnight ("24:00").
- Slots are laid out in absolute time from the start of each free interval, so a day with a
  DST change simply has one hour more or less (00:00–24:00 on the spring-forward Sunday in
  New York is 23 hours, i.e. 23 one-hour slots; on the fall-back Sunday 25).
- A local time that does not exist (02:30 on the spring-forward day) is read with the offset in
  force before the change (zoneinfo's `fold=0`), i.e. 03:30 of the new offset; an ambiguous one
  (01:30 on the fall-back day) is its first occurrence.

Rules applied (Location settings): slot length; a buffer kept free before and after every
booking (and between consecutive slots); minimum notice (no slot starting before
`now + minimum notice`); a slot starting within 24 h of `now` carries `needs_owner_approval`
(seed 000: same-day appointments need the owner's approval).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

MIDNIGHT = time(0, 0)
SAME_DAY_WINDOW = timedelta(hours=24)
TIME_OFF = "time_off"
EXTRA_HOURS = "extra_hours"


@dataclass(frozen=True)
class Window:
    """A weekly availability window: weekday 0 = Monday; `end` 00:00 means midnight (24:00)."""

    weekday: int
    start: time
    end: time
    meeting_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class DateException:
    """Time off (removes availability) or extra hours (adds it) on one local date.

    `start`/`end` None = the whole day. Extra hours without meeting types allow every type the
    Location offers (`default_meeting_types` of `find_slots`). Time off blocks every type.
    """

    date: date
    kind: str
    start: time | None = None
    end: time | None = None
    meeting_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    meeting_type: str
    needs_owner_approval: bool = False


@dataclass
class _Booked:
    """Booked intervals, widened by the buffer, merged and sorted for bisecting."""

    starts: list[datetime] = field(default_factory=list)
    ends: list[datetime] = field(default_factory=list)

    @classmethod
    def build(cls, intervals: Iterable[tuple[datetime, datetime]], buffer: timedelta) -> _Booked:
        merged: list[list[datetime]] = []
        for start, end in sorted((s - buffer, e + buffer) for s, e in intervals):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return cls([m[0] for m in merged], [m[1] for m in merged])


def window_is_valid(start: time, end: time) -> bool:
    """An inverted window is refused; 00:00 as the end means midnight (24:00)."""
    return end == MIDNIGHT or end > start


def _end_minutes(end: time) -> int:
    return 24 * 60 if end == MIDNIGHT else end.hour * 60 + end.minute


def windows_overlap(a_start: time, a_end: time, b_start: time, b_end: time) -> bool:
    a0, a1 = a_start.hour * 60 + a_start.minute, _end_minutes(a_end)
    b0, b1 = b_start.hour * 60 + b_start.minute, _end_minutes(b_end)
    return a0 < b1 and b0 < a1


def _local(day: date, moment: time, zone: tzinfo) -> datetime:
    """Local wall-clock time → UTC instant (see the module docstring for gaps and folds)."""
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)


def _day_interval(day: date, start: time | None, end: time | None, zone: tzinfo) -> tuple[datetime, datetime]:
    start = start or MIDNIGHT
    end_day = day + timedelta(days=1) if end is None or end == MIDNIGHT else day
    return _local(day, start, zone), _local(end_day, end or MIDNIGHT, zone)


def _union(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[list[datetime]] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(m[0], m[1]) for m in merged]


def _subtract(
    intervals: list[tuple[datetime, datetime]], holes: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    result = intervals
    for hole_start, hole_end in holes:
        cut: list[tuple[datetime, datetime]] = []
        for start, end in result:
            if hole_end <= start or end <= hole_start:
                cut.append((start, end))
                continue
            if start < hole_start:
                cut.append((start, hole_start))
            if hole_end < end:
                cut.append((hole_end, end))
        result = cut
    return result


def availability_intervals(
    *,
    windows: Sequence[Window],
    exceptions: Sequence[DateException],
    range_start: datetime,
    range_end: datetime,
    zone: tzinfo,
    meeting_types: Iterable[str],
    default_meeting_types: Iterable[str] = (),
) -> dict[str, list[tuple[datetime, datetime]]]:
    """Per meeting type, the available UTC intervals (merged, sorted) touching the range."""
    range_start, range_end = range_start.astimezone(UTC), range_end.astimezone(UTC)  # see find_slots
    wanted = tuple(dict.fromkeys(meeting_types))
    default_types = tuple(default_meeting_types) or wanted
    by_weekday: dict[int, list[Window]] = {}
    for window in windows:
        by_weekday.setdefault(window.weekday, []).append(window)
    by_date: dict[date, list[DateException]] = {}
    for exception in exceptions:
        by_date.setdefault(exception.date, []).append(exception)

    raw: dict[str, list[tuple[datetime, datetime]]] = {t: [] for t in wanted}
    holes: list[tuple[datetime, datetime]] = []
    # One local day before and after: a range boundary in UTC may fall on another local date.
    day = range_start.astimezone(zone).date() - timedelta(days=1)
    last_day = range_end.astimezone(zone).date() + timedelta(days=1)
    while day <= last_day:
        for window in by_weekday.get(day.weekday(), ()):
            if not window_is_valid(window.start, window.end):
                continue
            interval = _day_interval(day, window.start, window.end, zone)
            for meeting_type in window.meeting_types:
                if meeting_type in raw:
                    raw[meeting_type].append(interval)
        for exception in by_date.get(day, ()):
            if exception.start is not None and exception.end is not None:
                if not window_is_valid(exception.start, exception.end):
                    continue
            interval = _day_interval(day, exception.start, exception.end, zone)
            if exception.kind == TIME_OFF:
                holes.append(interval)
            elif exception.kind == EXTRA_HOURS:
                for meeting_type in exception.meeting_types or default_types:
                    if meeting_type in raw:
                        raw[meeting_type].append(interval)
        day += timedelta(days=1)
    holes = _union(holes)
    return {
        meeting_type: [(s, e) for s, e in _subtract(_union(intervals), holes) if e > range_start and s < range_end]
        for meeting_type, intervals in raw.items()
    }


def find_slots(
    *,
    windows: Sequence[Window],
    exceptions: Sequence[DateException] = (),
    booked: Iterable[tuple[datetime, datetime]] = (),
    range_start: datetime,
    range_end: datetime,
    meeting_types: Iterable[str],
    zone: tzinfo,
    slot_minutes: int,
    buffer_minutes: int = 0,
    minimum_notice_minutes: int = 0,
    now: datetime,
    default_meeting_types: Iterable[str] = (),
) -> list[Slot]:
    """Free slots starting in [range_start, range_end), sorted by start then meeting type.

    A slot lies entirely inside one free interval of its meeting type, does not come within the
    buffer of any booked interval, and starts no earlier than `now + minimum notice`.
    """
    if slot_minutes <= 0 or range_end <= range_start:
        return []
    # The range in UTC, like the intervals: datetimes with the same tzinfo compare without asking
    # the zone for its offsets, and the range came in the Location's zone (half the 60-day
    # search's time, issue #17); comparisons answer the same either way. `now` stays as given:
    # `now + 24 h` in a local zone is wall-clock arithmetic (callers pass UTC).
    range_start, range_end = range_start.astimezone(UTC), range_end.astimezone(UTC)
    length = timedelta(minutes=slot_minutes)
    buffer = timedelta(minutes=buffer_minutes)
    step = length + buffer
    earliest = max(range_start, now + timedelta(minutes=minimum_notice_minutes))
    approval_before = now + SAME_DAY_WINDOW
    busy = _Booked.build(booked, buffer)
    intervals = availability_intervals(
        windows=windows,
        exceptions=exceptions,
        range_start=range_start,
        range_end=range_end,
        zone=zone,
        meeting_types=meeting_types,
        default_meeting_types=default_meeting_types,
    )
    # The busy intervals are sorted and disjoint (merged), so their ends are sorted too: the
    # first one ending after `start` is the only one a slot from `start` can touch, and as
    # `start` only moves forward it is found by stepping an index, not by a search per slot.
    busy_starts, busy_ends, busy_count = busy.starts, busy.ends, len(busy.starts)
    one_minute = timedelta(minutes=1)
    slots: list[Slot] = []
    for meeting_type, free in intervals.items():
        for interval_start, interval_end in free:
            start = interval_start
            if start < earliest:  # keep the grid of the interval: jump whole steps
                start += step * -(-(earliest - start) // step)
            i = bisect.bisect_right(busy_ends, start)
            while start < range_end and (end := start + length) <= interval_end:
                while i < busy_count and busy_ends[i] <= start:
                    i += 1
                if i < busy_count and busy_starts[i] < end:
                    # Resume right after the booking and its buffer (the busy interval's end).
                    start = max(busy_ends[i], start + one_minute)
                    continue
                slots.append(Slot(start, end, meeting_type, start < approval_before))
                start += step
    if len(intervals) > 1:  # one meeting type's slots are already in time order
        slots.sort(key=lambda slot: (slot.start, slot.meeting_type))
    return slots


def is_within_availability(
    *,
    windows: Sequence[Window],
    exceptions: Sequence[DateException],
    start: datetime,
    end: datetime,
    meeting_type: str,
    zone: tzinfo,
    default_meeting_types: Iterable[str] = (),
) -> bool:
    """True when [start, end) lies inside one available interval of `meeting_type`."""
    intervals = availability_intervals(
        windows=windows,
        exceptions=exceptions,
        range_start=start,
        range_end=end,
        zone=zone,
        meeting_types=[meeting_type],
        default_meeting_types=default_meeting_types,
    )[meeting_type]
    return any(s <= start and end <= e for s, e in intervals)


def available_hours(
    *,
    windows: Sequence[Window],
    exceptions: Sequence[DateException],
    range_start: datetime,
    range_end: datetime,
    zone: tzinfo,
    meeting_types: Iterable[str],
    default_meeting_types: Iterable[str] = (),
) -> float:
    """Hours of availability (any meeting type, clipped to the range) — calendar sufficiency."""
    per_type = availability_intervals(
        windows=windows,
        exceptions=exceptions,
        range_start=range_start,
        range_end=range_end,
        zone=zone,
        meeting_types=meeting_types,
        default_meeting_types=default_meeting_types,
    )
    union = _union([(max(s, range_start), min(e, range_end)) for v in per_type.values() for s, e in v])
    return sum((e - s).total_seconds() for s, e in union) / 3600
