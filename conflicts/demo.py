"""Demo conflicts and same-day requests for `manage.py seed_demo` (runs after calendars).

For each demo Location that takes bookings (Brooklyn, Denver): pending conflicts of both kinds,
answered ones (approved, alternate suggested) with their open callbacks, a closed one, a pending
same-day request and a declined one waiting for its callback. Idempotent; bulk inserts.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from calendars.holds import hold_sync
from calendars.models import Appointment
from leads.models import Lead
from leads.services import lead_counts_add

from .models import Callback, Conflict, SameDayRequest

CLIENTS = [
    ("Maria", "Lopez"),
    ("James", "Okafor"),
    ("Helen", "Park"),
    ("Tomas", "Novak"),
    ("Ruth", "Adeyemi"),
    ("Paul", "Meyer"),
    ("Irene", "Walsh"),
    ("Sam", "Rivera"),
]


# Per Location (by its place in `seed`'s list): the client's home address, the area code of the
# clients' phones, and the schedule conflict's hour and notes — outside that Location's demo
# availability (calendars/demo.py: Brooklyn 9–17, Denver from 8) but at a sensible local time.
PLACES = [
    dict(address="48 Henry Street, Brooklyn", area_code="347", early_hour=8, schedule_hour=19,
         notes="Works until 6 pm; evenings only."),
    dict(address="1420 Ogden Street, Denver", area_code="720", early_hour=7, schedule_hour=7,
         notes="Starts work at 8:30 am; early mornings only."),
]  # fmt: skip


def _local(location, days: int, hour: int, minute: int = 0) -> datetime:
    day = timezone.now().astimezone(location.zone).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=location.zone)


def _same_day_start(location, now: datetime) -> datetime:
    """A same-day request's time in local business hours: two hours from now, not before 10:00;
    after 17:00 (demo seeded in the evening or at night) tomorrow at 10:00 — within 24 hours."""
    local_now = now.astimezone(location.zone)
    start = local_now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    opening = datetime.combine(local_now.date(), time(10), tzinfo=location.zone)
    if start.hour >= 17 or start.date() != local_now.date():
        return opening + timedelta(days=1)
    return max(start, opening)


@transaction.atomic
def _forced_booking(demo, now) -> None:
    """One forced booking with its approval: tomorrow 18:30 in Brooklyn, outside the 09–17
    window, approved by the owner as a same-day request (seeded here, after calendars: the
    approval is this app's row)."""
    booker = demo.users.get("agent")
    forced_lead = Lead.objects.filter(location=demo.brooklyn, status="converted", test=False).last()
    if forced_lead is not None:
        start = _local(demo.brooklyn, 1, 18, 30)
        request = SameDayRequest.objects.create(
            location=demo.brooklyn,
            lead=forced_lead,
            requested_start=start,
            requested_end=start + timedelta(hours=1),
            requested_meeting_type="client_home",
            status=SameDayRequest.Status.APPROVED,
            owner_notes="Fine, I can stay late.",
            responded_by=demo.users.get("owner"),
            responded_at=now - timedelta(minutes=40),
            response_channel=SameDayRequest.Channel.PHONE,
            raised_by=booker,
            created_at=now - timedelta(hours=1),
        )
        Appointment.objects.create(
            location=demo.brooklyn,
            lead=forced_lead,
            start=start,
            end=start + timedelta(hours=1),
            meeting_type="client_home",
            address=forced_lead.address,
            status="booked",
            forced=True,
            booked_by=booker,
            same_day_request=request,
            created_at=now - timedelta(minutes=35),
        )


def seed(demo) -> None:
    locations = [demo.brooklyn, demo.denver]
    if Conflict.objects.filter(location__in=locations).exists():
        return
    now = timezone.now()
    _forced_booking(demo, now)
    agent = demo.users.get("agent")
    owner = demo.users.get("owner")
    for index, location in enumerate(locations):
        place = PLACES[index % len(PLACES)]
        clients = CLIENTS[index * 2 :] + CLIENTS[: index * 2]  # other names waiting at the other Location
        types = location.meeting_types or ["phone"]
        home = "client_home" if "client_home" in types else types[0]
        other = next((t for t in ("phone", "video", "office") if t not in types), "office")
        leads = Lead.objects.bulk_create(
            Lead(
                brand=location.brand,
                location=location,
                first_name=first,
                last_name=last,
                phone=f"+1{place['area_code']}555{7000 + index * 100 + n:04d}",
                email=f"{first.lower()}.{last.lower()}@client.example",
                postal_code=location.postal_code,
                source=Lead.Source.PHONE,
                status=Lead.Status.IN_PROCESS,
                created_at=now - timedelta(hours=30 - n),
            )
            for n, (first, last) in enumerate(clients)
        )
        lead_counts_add(leads)

        def conflict(lead, kind, days, hour, meeting_type, age_hours, location=location, place=place, **extra):
            start = _local(location, days, hour)
            return Conflict(
                location=location,
                lead=lead,
                kind=kind,
                requested_start=start,
                requested_end=start + timedelta(hours=1),
                requested_meeting_type=meeting_type,
                requested_address=place["address"] if meeting_type == "client_home" else "",
                caller_notes=extra.pop("caller_notes", ""),
                raised_by=agent,
                created_at=now - timedelta(hours=age_hours),
                **extra,
            )

        answered = dict(responded_by=owner, responded_at=now - timedelta(hours=2))
        conflicts = Conflict.objects.bulk_create(
            [
                conflict(leads[0], "schedule", 3, place["schedule_hour"], home, 5, caller_notes=place["notes"]),
                conflict(
                    leads[1], "location", 4, 11, other, 2, caller_notes="Wants a meeting the Location does not offer."
                ),
                conflict(
                    leads[2],
                    "schedule",
                    5,
                    place["early_hour"],
                    home,
                    26,
                    status="approved",
                    decision="approve",
                    response_channel="action_center",
                    **answered,
                ),  # fmt: skip
                conflict(
                    leads[3],
                    "location",
                    6,
                    14,
                    other,
                    30,
                    status="alternate_suggested",
                    decision="alternate",
                    alternate_start=_local(location, 7, 10),
                    alternate_end=_local(location, 7, 11),
                    alternate_meeting_type=types[0],
                    owner_notes="Happy to meet at 10 instead.",
                    response_channel="email_reply",
                    **answered,
                ),  # fmt: skip
                conflict(
                    leads[4],
                    "schedule",
                    2,
                    20,
                    home,
                    50,
                    status="closed",
                    decision="decline",
                    response_channel="email_link",
                    closed_at=now - timedelta(hours=20),
                    responded_by=None,
                    responded_at=now - timedelta(hours=40),
                ),  # fmt: skip
            ]
        )
        start = _same_day_start(location, now)
        requests = SameDayRequest.objects.bulk_create(
            [
                SameDayRequest(
                    location=location,
                    lead=leads[5],
                    requested_start=start,
                    requested_end=start + timedelta(hours=1),
                    requested_meeting_type=home,
                    raised_by=agent,
                    created_at=now - timedelta(minutes=25),
                ),
                SameDayRequest(
                    location=location,
                    lead=leads[6],
                    requested_start=start + timedelta(hours=2),
                    requested_end=start + timedelta(hours=3),
                    requested_meeting_type=home,
                    raised_by=agent,
                    created_at=now - timedelta(hours=1),
                    status="declined",
                    responded_by=owner,
                    responded_at=now - timedelta(minutes=40),
                    response_channel="phone",
                ),
            ]
        )
        _hold_times([*conflicts, *requests], now)
        Callback.objects.bulk_create(
            [
                Callback(
                    location=location,
                    lead=conflicts[2].lead,
                    conflict=conflicts[2],
                    reason="conflict_approved",
                    instructions=f"The owner approved the requested time. Book it (conflict #{conflicts[2].pk}).",
                    created_at=conflicts[2].responded_at,
                ),
                Callback(
                    location=location,
                    lead=conflicts[3].lead,
                    conflict=conflicts[3],
                    reason="conflict_alternate",
                    instructions="The owner suggests another time. Call the client back and offer it.",
                    created_at=conflicts[3].responded_at,
                ),
                Callback(
                    location=location,
                    lead=conflicts[4].lead,
                    conflict=conflicts[4],
                    reason="conflict_declined",
                    instructions="The owner declined. Tell the client.",
                    status="closed",
                    outcome="informed",
                    closed_at=conflicts[4].closed_at,
                    closed_by=agent,
                    created_at=conflicts[4].responded_at,
                ),
                Callback(
                    location=location,
                    lead=requests[1].lead,
                    same_day_request=requests[1],
                    reason="same_day_declined",
                    instructions="The owner declined the same-day time. Offer a later time.",
                    created_at=requests[1].responded_at,
                ),
            ]
        )


def _hold_times(items, now) -> None:
    """Waiting and answered requests hold their time, as conflict_raise / same_day_raise do
    (calendars.holds); a demo time already booked simply holds nothing."""
    from pronexis.errors import Refused

    for item in items:
        try:
            hold_sync(item, now=now)
        except Refused:
            pass
