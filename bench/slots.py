"""Benchmark: slot search for 60 days with 1,000 bookings (median of several runs), and the same
with 200 busy blocks of the owner's own calendars added (DESIGN.md "Calendar truth").

Pure function, no database: `calendars.slots.find_slots` over a New York Location open every
day 08:00–20:00 for four meeting types, 30-minute slots, 10-minute buffer, 1,000 booked
intervals spread over the 60 days; busy blocks are subtracted like bookings (the selector hands
both to the search as one list, read by one UNION ALL query — its fixed count is
tests/calendars/test_api.py::test_slots_with_busy_blocks_and_bookings_keep_their_query_count).
Run: `.venv/bin/python bench/slots.py [runs]`.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time as clock
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pronexis.settings")

from calendars.slots import Window, find_slots  # noqa: E402  (pure module: no Django setup needed)

ZONE = ZoneInfo("America/New_York")
TYPES = ("office", "phone", "client_home", "video")


def busy_blocks(start: datetime, count: int = 200, seed: int = 2) -> list[tuple[datetime, datetime]]:
    """`count` busy blocks of the owner's calendar over the 60 days: 30 min to 3 h, some all-day."""
    rng = random.Random(seed)
    blocks = []
    for i in range(count):
        day = (start + timedelta(days=rng.randrange(60))).astimezone(ZONE).date()
        if i % 20 == 0:  # an all-day event: local midnight to midnight
            begin = datetime.combine(day, time(0), tzinfo=ZONE)
            blocks.append((begin, datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZONE)))
            continue
        begin = datetime.combine(day, time(7), tzinfo=ZONE) + timedelta(minutes=15 * rng.randrange(56))
        blocks.append((begin, begin + timedelta(minutes=30 * rng.randrange(1, 7))))
    return blocks


def scenario(seed: int = 1):
    rng = random.Random(seed)
    start = datetime(2025, 3, 1, tzinfo=ZONE).astimezone(UTC)  # spans the March DST change
    windows = [Window(d, time(8), time(20), TYPES) for d in range(7)]
    booked, taken = [], set()
    while len(booked) < 1000:
        day, quarter = rng.randrange(60), rng.randrange(8 * 4, 19 * 4)
        if (day, quarter // 2) in taken:
            continue
        taken.add((day, quarter // 2))
        local = datetime.combine((start + timedelta(days=day)).astimezone(ZONE).date(), time(0), tzinfo=ZONE)
        begin = local + timedelta(minutes=15 * quarter)
        booked.append((begin, begin + timedelta(minutes=30)))
    return dict(
        windows=windows,
        exceptions=[],
        booked=booked,
        range_start=start,
        range_end=start + timedelta(days=60),
        meeting_types=TYPES,
        zone=ZONE,
        slot_minutes=30,
        buffer_minutes=10,
        minimum_notice_minutes=0,
        now=start - timedelta(days=1),
    )


def measure(label: str, kwargs: dict, runs: int) -> None:
    timings, count = [], 0
    for _ in range(runs):
        began = clock.perf_counter()
        count = len(find_slots(**kwargs))
        timings.append((clock.perf_counter() - began) * 1000)
    print(
        f"{label}: {count} slots; median {statistics.median(timings):.1f} ms over {runs} runs "
        f"(min {min(timings):.1f}, max {max(timings):.1f})"
    )


def main(runs: int = 9) -> None:
    kwargs = scenario()
    measure("slot search, 60 days, 1,000 bookings, 4 meeting types", kwargs, runs)
    with_busy = dict(kwargs, booked=kwargs["booked"] + busy_blocks(kwargs["range_start"]))
    measure("slot search, 60 days, 1,000 bookings + 200 busy blocks, 4 meeting types", with_busy, runs)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 9)
