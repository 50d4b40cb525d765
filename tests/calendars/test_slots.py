"""Slot search (calendars/slots.py): tables across DST changes, midnight ends, a zone without
DST, exceptions, buffers, notice; hypothesis properties (no overlap, never outside a window)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendars.slots import DateException, Window, available_hours, find_slots, is_within_availability

NY = ZoneInfo("America/New_York")
PHX = ZoneInfo("America/Phoenix")
ALL = ("office", "phone")
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def every_day(start, end, types=ALL):
    return [Window(d, start, end, types) for d in range(7)]


def local_day(day: date, zone):
    return datetime.combine(day, time(0), tzinfo=zone), datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def search(windows, day, zone, *, types=("office",), booked=(), exceptions=(), now=LONG_AGO, **kw):
    start, end = local_day(day, zone)
    kw.setdefault("slot_minutes", 60)
    return find_slots(
        windows=windows,
        exceptions=exceptions,
        booked=booked,
        range_start=start,
        range_end=end,
        meeting_types=types,
        zone=zone,
        now=now,
        **kw,
    )


def local_times(slots, zone):
    return [s.start.astimezone(zone).strftime("%H:%M") for s in slots]


@pytest.mark.parametrize(
    "day, zone, window, expected_local, expected_first_utc",
    [
        # New York, the day before spring forward (EST, UTC-5) and the day of it (EDT, UTC-4).
        (date(2025, 3, 8), NY, (time(9), time(12)), ["09:00", "10:00", "11:00"], "14:00"),
        (date(2025, 3, 9), NY, (time(9), time(12)), ["09:00", "10:00", "11:00"], "13:00"),
        # The night of the change: 01:00–04:00 local is two real hours (02:00–03:00 does not exist).
        (date(2025, 3, 9), NY, (time(1), time(4)), ["01:00", "03:00"], "06:00"),
        # Fall back: 01:00–03:00 local is three real hours, 01:00 happens twice.
        (date(2025, 11, 2), NY, (time(1), time(3)), ["01:00", "01:00", "02:00"], "05:00"),
        (date(2025, 11, 3), NY, (time(9), time(12)), ["09:00", "10:00", "11:00"], "14:00"),
        # A window ending at midnight (00:00 = 24:00).
        (date(2025, 3, 9), NY, (time(22), time(0)), ["22:00", "23:00"], "02:00"),
        (date(2025, 11, 2), NY, (time(22), time(0)), ["22:00", "23:00"], "03:00"),
        # Phoenix has no DST: the same UTC hours all year, on both New York change days.
        (date(2025, 3, 9), PHX, (time(9), time(12)), ["09:00", "10:00", "11:00"], "16:00"),
        (date(2025, 11, 2), PHX, (time(9), time(12)), ["09:00", "10:00", "11:00"], "16:00"),
        (date(2025, 7, 1), PHX, (time(22), time(0)), ["22:00", "23:00"], "05:00"),
    ],
)
def test_slots_across_dst_and_midnight(day, zone, window, expected_local, expected_first_utc):
    slots = search(every_day(*window), day, zone)
    assert local_times(slots, zone) == expected_local
    assert slots[0].start.astimezone(UTC).strftime("%H:%M") == expected_first_utc
    assert all(s.end - s.start == timedelta(hours=1) for s in slots)


@pytest.mark.parametrize(
    "day, zone, count",
    [
        (date(2025, 3, 9), NY, 23),  # spring forward: a 23-hour day
        (date(2025, 11, 2), NY, 25),  # fall back: a 25-hour day
        (date(2025, 6, 1), NY, 24),
        (date(2025, 3, 9), PHX, 24),
        (date(2025, 11, 2), PHX, 24),
    ],
)
def test_whole_day_window_has_one_slot_per_real_hour(day, zone, count):
    assert len(search(every_day(time(0), time(0)), day, zone)) == count


def test_bookings_and_buffer_remove_slots():
    day = date(2025, 6, 2)
    booked = [(datetime(2025, 6, 2, 11, tzinfo=NY), datetime(2025, 6, 2, 12, tzinfo=NY))]
    slots = search(every_day(time(9), time(17)), day, NY, booked=booked)
    assert local_times(slots, NY) == ["09:00", "10:00", "12:00", "13:00", "14:00", "15:00", "16:00"]
    # 30 min slots with a 15 min buffer: 09:00, 09:45, 10:30 (ends 11:00, but the buffer reaches
    # 10:45 → blocked), then the grid resumes after 12:15.
    slots = search(every_day(time(9), time(17)), day, NY, booked=booked, slot_minutes=30, buffer_minutes=15)
    assert local_times(slots, NY)[:4] == ["09:00", "09:45", "12:15", "13:00"]


def test_minimum_notice_and_owner_approval_within_24_hours():
    now = datetime(2025, 6, 2, 9, 30, tzinfo=NY)
    start, _ = local_day(date(2025, 6, 2), NY)
    slots = find_slots(
        windows=every_day(time(9), time(17)),
        range_start=start,
        range_end=start + timedelta(days=2),
        meeting_types=["office"],
        zone=NY,
        slot_minutes=60,
        minimum_notice_minutes=120,
        now=now,
    )
    first = slots[0]
    assert first.start.astimezone(NY).strftime("%d %H:%M") == "02 12:00"  # 11:30 → next grid step
    approval = {s.start.astimezone(NY).strftime("%d %H:%M"): s.needs_owner_approval for s in slots}
    assert approval["02 16:00"] is True
    assert approval["03 09:00"] is True  # 23.5 h from now
    assert approval["03 10:00"] is False  # 24.5 h from now


def test_exceptions_time_off_and_extra_hours():
    day = date(2025, 6, 4)
    windows = every_day(time(9), time(13))
    off_all_day = [DateException(day, "time_off")]
    assert search(windows, day, NY, exceptions=off_all_day) == []
    off_morning = [DateException(day, "time_off", time(9), time(11))]
    assert local_times(search(windows, day, NY, exceptions=off_morning), NY) == ["11:00", "12:00"]
    extra = [DateException(day, "extra_hours", time(18), time(20), ("phone",))]
    assert local_times(search(windows, day, NY, exceptions=extra, types=("phone",)), NY)[-2:] == ["18:00", "19:00"]
    assert "18:00" not in local_times(search(windows, day, NY, exceptions=extra, types=("office",)), NY)


def test_meeting_types_each_get_their_slots():
    windows = [Window(0, time(9), time(11), ("office",)), Window(0, time(11), time(12), ("phone", "office"))]
    slots = search(windows, date(2025, 6, 2), NY, types=("office", "phone"))
    assert [(s.start.astimezone(NY).hour, s.meeting_type) for s in slots] == [
        (9, "office"),
        (10, "office"),
        (11, "office"),
        (11, "phone"),
    ]


def test_within_availability_and_hours():
    windows = every_day(time(9), time(17))
    start = datetime(2025, 6, 2, 15, tzinfo=NY)
    assert is_within_availability(
        windows=windows, exceptions=[], start=start, end=start + timedelta(hours=2), meeting_type="office", zone=NY
    )
    assert not is_within_availability(
        windows=windows, exceptions=[], start=start, end=start + timedelta(hours=3), meeting_type="office", zone=NY
    )
    assert not is_within_availability(
        windows=windows, exceptions=[], start=start, end=start + timedelta(hours=1), meeting_type="video", zone=NY
    )
    begin = datetime(2025, 6, 2, 0, tzinfo=NY)
    hours = available_hours(
        windows=windows,
        exceptions=[],
        range_start=begin,
        range_end=begin + timedelta(days=14),
        zone=NY,
        meeting_types=ALL,
    )
    assert hours == 14 * 8


# --- properties ---------------------------------------------------------------------------------
ZONES = st.sampled_from([NY, PHX, ZoneInfo("Europe/London"), ZoneInfo("Australia/Lord_Howe")])


@st.composite
def windows_strategy(draw):
    """Windows as the editor allows them: per weekday, neither overlapping nor touching."""
    windows = []
    for weekday in range(7):
        points = sorted(draw(st.sets(st.integers(0, 96), max_size=4)))
        for start, end in zip(points[::2], points[1::2], strict=False):
            end_time = time(0) if end == 96 else time(end // 4, end % 4 * 15)
            types = tuple(sorted(draw(st.sets(st.sampled_from(ALL), min_size=1))))
            windows.append(Window(weekday, time(start // 4, start % 4 * 15), end_time, types))
    return windows


def inside_its_window(slot, windows, zone) -> bool:
    """The slot lies inside its meeting type's windows (windows that touch at midnight, Friday
    until 24:00 and Saturday from 00:00, are one stretch of availability)."""
    local_day = slot.start.astimezone(zone).date()
    spans = []
    for day in (local_day - timedelta(days=1), local_day, local_day + timedelta(days=1)):
        for w in windows:
            if w.weekday == day.weekday() and slot.meeting_type in w.meeting_types:
                end_day = day + timedelta(days=1) if w.end == time(0) else day
                spans.append(
                    (
                        datetime.combine(day, w.start, tzinfo=zone).astimezone(UTC),
                        datetime.combine(end_day, w.end, tzinfo=zone).astimezone(UTC),
                    )
                )
    covered_until = slot.start
    for start, end in sorted(spans):
        if start <= covered_until < end:
            covered_until = end
    return covered_until >= slot.end


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    windows=windows_strategy(),
    zone=ZONES,
    first_day=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)),
    bookings=st.lists(st.tuples(st.integers(0, 10 * 24 * 4), st.integers(1, 16)), max_size=25),
    slot_minutes=st.sampled_from([15, 30, 45, 60, 90]),
    buffer_minutes=st.sampled_from([0, 10, 15, 30]),
)
def test_no_slot_overlaps_a_booking_or_leaves_its_window(
    windows, zone, first_day, bookings, slot_minutes, buffer_minutes
):
    start = datetime.combine(first_day, time(0), tzinfo=zone).astimezone(UTC)
    end = start + timedelta(days=10)
    booked = [(start + timedelta(minutes=15 * q), start + timedelta(minutes=15 * (q + n))) for q, n in bookings]
    slots = find_slots(
        windows=windows,
        booked=booked,
        range_start=start,
        range_end=end,
        meeting_types=ALL,
        zone=zone,
        slot_minutes=slot_minutes,
        buffer_minutes=buffer_minutes,
        now=LONG_AGO,
    )
    buffer = timedelta(minutes=buffer_minutes)
    for slot in slots:
        assert start <= slot.start < end
        assert slot.end - slot.start == timedelta(minutes=slot_minutes)
        for b_start, b_end in booked:
            assert slot.end + buffer <= b_start or b_end + buffer <= slot.start, (slot, b_start, b_end)
        assert inside_its_window(slot, windows, zone), slot
    keys = [(s.start, s.meeting_type) for s in slots]
    assert keys == sorted(set(keys))
