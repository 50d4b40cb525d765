"""Demo availability and appointments for `manage.py seed_demo` (runs after leads, before conflicts).

Brooklyn (business hours, New York) and Denver (24/7, Denver) get weekly windows and a few
exceptions; Phoenix is answering-only and takes no bookings. Around today, three weeks back and
three ahead: appointments in every status, and one forced booking with its approval (an approved
same-day request: the conflicts demo, which runs next, seeds the conflicts themselves and skips
when a Location already has one). Idempotent; bulk inserts.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from leads.models import Lead

from .models import Appointment, AvailabilityException, AvailabilityWindow

BROOKLYN_WINDOWS = [(d, time(9), time(17), ["office", "client_home", "phone"]) for d in range(5)] + [
    (5, time(10), time(14), ["phone", "client_home"])
]
DENVER_WINDOWS = [(d, time(8), time(20), ["client_home", "video"]) for d in range(7) if d != 4] + [
    (4, time(8), time(12), ["client_home", "video"]),
    (4, time(18), time(0), ["video"]),  # Friday evening until midnight
]


def _local(location, days: int, hour: int, minute: int = 0) -> datetime:
    day = timezone.now().astimezone(location.zone).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=location.zone)


def seed(demo) -> None:
    locations = demo.booking_locations
    if AvailabilityWindow.objects.filter(location__in=locations).exists():
        return
    rng = random.Random(4)
    now = timezone.now()
    for location, windows in ((demo.brooklyn, BROOKLYN_WINDOWS), (demo.denver, DENVER_WINDOWS)):
        AvailabilityWindow.objects.bulk_create(
            AvailabilityWindow(location=location, weekday=d, start_time=s, end_time=e, meeting_types=types)
            for d, s, e, types in windows
        )
    today_ny = now.astimezone(demo.brooklyn.zone).date()
    AvailabilityException.objects.bulk_create(
        [
            AvailabilityException(
                location=demo.brooklyn,
                date=today_ny + timedelta(days=9),
                kind="time_off",
                start_time=time(13),
                end_time=time(17),
                note="Training",
            ),
            AvailabilityException(
                location=demo.brooklyn,
                date=today_ny + timedelta(days=(6 - today_ny.weekday()) % 7 + 7),
                kind="extra_hours",
                start_time=time(10),
                end_time=time(13),
                meeting_types=["phone"],
                note="Sunday phone hours",
            ),
            AvailabilityException(
                location=demo.denver, date=today_ny + timedelta(days=12), kind="time_off", note="Holiday"
            ),
        ]
    )
    booker = demo.users.get("agent")
    rows: list[Appointment] = []
    for location, hours in ((demo.brooklyn, (9, 10, 11, 13, 14, 15)), (demo.denver, (8, 10, 12, 14, 16, 18))):
        converted = list(Lead.objects.filter(location=location, status="converted", test=False)[:80])
        cancelled = list(Lead.objects.filter(location=location, status="cancelled", test=False)[:30])
        if not converted:
            continue
        types = list(location.meeting_types)
        for days in range(-21, 22):
            day_start = _local(location, days, 0)
            if location == demo.brooklyn and day_start.weekday() >= 5:
                continue
            for hour in rng.sample(hours, rng.randint(0, 3)):
                start = _local(location, days, hour)
                if days < 0:
                    status = rng.choices(["completed", "no_show", "cancelled"], weights=[7, 1, 2])[0]
                else:
                    status = rng.choices(["booked", "cancelled"], weights=[9, 1])[0]
                pool = cancelled if status == "cancelled" and cancelled else converted
                lead = rng.choice(pool)
                meeting_type = rng.choice(types)
                # Booked 2–10 days ahead, and never all "now": future ones spread over the last two
                # weeks, so the dashboard's month and 90-day chart show no spike on the seeding day.
                booked_at = min(
                    start - timedelta(days=rng.randint(2, 10)), now - timedelta(hours=rng.randint(2, 24 * 14))
                )
                rows.append(
                    Appointment(
                        location=location,
                        lead=lead,
                        start=start,
                        end=start + timedelta(minutes=location.slot_minutes),
                        meeting_type=meeting_type,
                        address=location.address if meeting_type == "office" else lead.address,
                        status=status,
                        booked_by=booker,
                        created_at=booked_at,
                        cancelled_at=booked_at + timedelta(hours=5) if status == "cancelled" else None,
                        cancel_reason="The client changed plans." if status == "cancelled" else "",
                    )
                )
    Appointment.objects.bulk_create(_without_overlaps(rows))


def _without_overlaps(rows: list[Appointment]) -> list[Appointment]:
    """Keeps the exclusion constraint happy: drop a booked row overlapping another booked one."""
    kept, taken = [], {}
    for row in rows:
        if row.status == "booked":
            busy = taken.setdefault(row.location_id, [])
            if any(row.start < e and s < row.end for s, e in busy):
                continue
            busy.append((row.start, row.end))
        kept.append(row)
    return kept
