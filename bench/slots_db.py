"""Benchmark: the slots API's selector end to end (SQL + slot search) for 60 days, on a Location
with 1,000 bookings, and with 200 busy blocks of the owner's own calendars and 20 slot holds
added (issue #13). Rows are created in one transaction that is rolled back at the end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pronexis_bench .venv/bin/python bench/slots_db.py [runs]

Any migrated database works (it only needs one Brand-less Location of its own: the script makes
one). Prints the median time of `calendars.selectors.slots_for_location` and its query count.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time as clock
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pronexis_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pronexis.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)


class Rollback(Exception):
    pass


def main(runs: int = 15) -> None:
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from bench.slots import busy_blocks
    from calendars.models import Appointment, AvailabilityWindow, BusyBlock, CalendarSource
    from calendars.selectors import slots_for_location
    from tests.factories import ConflictFactory, LeadFactory, LocationFactory

    def measure(label: str, location, start, end, now) -> None:
        timings, count, queries = [], 0, 0
        for _ in range(runs):
            with CaptureQueriesContext(connection) as captured:
                began = clock.perf_counter()
                count = len(slots_for_location(location=location, start=start, end=end, now=now))
                timings.append((clock.perf_counter() - began) * 1000)
            queries = len(captured)
        print(
            f"{label}: {count} slots, {queries} queries; median {statistics.median(timings):.1f} ms over {runs} runs "
            f"(min {min(timings):.1f}, max {max(timings):.1f})"
        )

    try:
        with transaction.atomic():
            location = LocationFactory(
                meeting_types=["office", "phone", "client_home", "video"], slot_minutes=30, buffer_minutes=10
            )
            zone = location.zone
            AvailabilityWindow.objects.bulk_create(
                AvailabilityWindow(
                    location=location,
                    weekday=d,
                    start_time=time(8),
                    end_time=time(20),
                    meeting_types=list(location.meeting_types),
                )
                for d in range(7)
            )
            start = datetime(2031, 3, 1, tzinfo=zone).astimezone(UTC)  # spans the March DST change
            end = start + timedelta(days=60)
            now = start - timedelta(days=1)
            lead = LeadFactory(location=location)
            # 1,000 bookings of 30 minutes on a half-hour grid, 08:00–19:00 (the exclusion constraint holds).
            rng, taken, rows = random.Random(1), set(), []
            while len(rows) < 1000:
                day, half = rng.randrange(60), rng.randrange(8 * 2, 19 * 2)
                if (day, half) in taken:
                    continue
                taken.add((day, half))
                local = datetime.combine((start + timedelta(days=day)).astimezone(zone).date(), time(0), tzinfo=zone)
                begin = local + timedelta(minutes=30 * half)
                rows.append(
                    Appointment(
                        location=location,
                        lead=lead,
                        start=begin,
                        end=begin + timedelta(minutes=30),
                        meeting_type="phone",
                    )
                )
            Appointment.objects.bulk_create(rows)
            measure("slots, 60 days, 1,000 bookings", location, start, end, now)
            source = CalendarSource.objects.create(location=location, kind="ics", url="https://example.test/a.ics")
            BusyBlock.objects.bulk_create(
                BusyBlock(location=location, source=source, start=s, end=e) for s, e in busy_blocks(start)
            )
            # 20 holds of pending conflicts at 20:00–21:00 local (outside availability: no overlap).
            for day in range(20):
                begin = datetime.combine(
                    (start + timedelta(days=day * 3)).astimezone(zone).date(), time(20), tzinfo=zone
                )
                conflict = ConflictFactory(
                    location=location, lead=lead, requested_start=begin, requested_end=begin + timedelta(hours=1)
                )
                Appointment.objects.create(
                    location=location,
                    lead=lead,
                    start=begin,
                    end=begin + timedelta(hours=1),
                    meeting_type="phone",
                    status="held",
                    conflict=conflict,
                    hold_expires_at=begin,
                )
            measure("slots, 60 days, 1,000 bookings + 200 busy blocks + 20 holds", location, start, end, now)
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
