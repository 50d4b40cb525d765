"""Benchmark: slot search for 60 days with 1,000 bookings (median of several runs).

Pure function, no database: `calendars.slots.find_slots` over a New York Location open every
day 08:00–20:00 for four meeting types, 30-minute slots, 10-minute buffer, 1,000 booked
intervals spread over the 60 days. Run: `.venv/bin/python bench/slots.py [runs]`.
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


def main(runs: int = 9) -> None:
    kwargs = scenario()
    timings, count = [], 0
    for _ in range(runs):
        began = clock.perf_counter()
        count = len(find_slots(**kwargs))
        timings.append((clock.perf_counter() - began) * 1000)
    print(
        f"slot search, 60 days, 1,000 bookings, 4 meeting types: {count} slots; "
        f"median {statistics.median(timings):.1f} ms over {runs} runs "
        f"(min {min(timings):.1f}, max {max(timings):.1f})"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 9)
