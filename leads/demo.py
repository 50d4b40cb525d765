"""Demo leads for `manage.py seed_demo`: a few hundred per Location over the last 90 days,
every status and reason, brand-only leads, calls with recordings, the brand's contact steps."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import CallRecord, ContactStep, Lead, LeadStatusChange
from .services import lead_counts_add

FIRST = ["Ana", "Ben", "Carla", "Dev", "Elena", "Femi", "Grace", "Hugo", "Iris", "Jon", "Kara", "Luis", "Maya", "Noah"]
LAST = ["Alvarez", "Brooks", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jones", "Khan", "Lopez"]

# (status, reason, weight, path of (from, to, reason, actor_kind) after the first status)
OUTCOMES = [
    ("in_process", "", 14, []),
    ("converted", "", 18, [("in_process", "converted", "", "system")]),
    ("cancelled", "", 3, [("in_process", "converted", "", "system"), ("converted", "cancelled", "", "system")]),
    ("not_converted", "refused", 8, [("in_process", "not_converted", "refused", "agent")]),
    ("owner_action", "transferred", 4, [("in_process", "owner_action", "transferred", "agent")]),
    ("owner_action", "messaged", 5, [("in_process", "owner_action", "messaged", "agent")]),
    ("owner_action", "booked_directly", 3, [("in_process", "owner_action", "booked_directly", "owner")]),
    ("bad_lead", "fake_contact_info", 4, [("in_process", "bad_lead", "fake_contact_info", "agent")]),
    ("bad_lead", "did_not_request", 3, [("in_process", "bad_lead", "did_not_request", "owner")]),
    ("bad_lead", "acs_exhausted", 8, [("in_process", "bad_lead", "acs_exhausted", "system")]),
    ("bad_lead", "duplicate", 4, None),  # captured as a duplicate
    ("services_unavailable", "service_not_offered", 4, None),
    ("test_lead", "", 1, None),
]
STEPS = [("call", 0), ("wait", 10), ("sms_intro", 0), ("call", 0), ("wait", 1440), ("call", 0)]


@transaction.atomic
def seed(demo) -> None:
    if Lead.objects.filter(brand=demo.brand).exists():
        return
    rng = random.Random(3)
    now = timezone.now()
    ContactStep.objects.bulk_create(
        ContactStep(brand=demo.brand, position=i, kind=kind, wait_minutes=minutes)
        for i, (kind, minutes) in enumerate(STEPS)
    )
    services = list(demo.brand.services.all())
    weights = [w for _, _, w, _ in OUTCOMES]
    plans: list[tuple[Lead, list]] = []
    n = 0
    for location in demo.locations:
        numbers = list(location.phone_numbers.values_list("number", flat=True))
        codes = list(location.areas.values_list("postal_codes__postal_code", flat=True))
        for _ in range(rng.randint(220, 300)):
            n += 1
            status, reason, _, path = rng.choices(OUTCOMES, weights=weights)[0]
            created = now - timedelta(minutes=rng.randint(5, 90 * 24 * 60))
            service = rng.choice(services)
            lead = Lead(
                brand=demo.brand,
                location=location,
                first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST),
                phone=f"+1347{rng.randint(2000000, 9999999)}",
                email=f"lead{n}@example.com",
                address=f"{rng.randint(1, 999)} Demo Street",
                postal_code=rng.choice(codes) if codes else "",
                service=service,
                service_name=service.name,
                source=rng.choice(["phone", "phone", "online", "online", "api", "sms"]),
                status=status,
                reason=reason,
                test=status == "test_lead",
                created_at=created,
                contacted_at=created + timedelta(minutes=20) if status not in ("in_process", "bad_lead") else None,
            )
            plans.append((lead, path))
        # a few brand-only leads (no area covers their postal code)
    for i in range(6):
        lead = Lead(
            brand=demo.brand,
            location=None,
            first_name=rng.choice(FIRST),
            last_name=rng.choice(LAST),
            phone=f"+1480{rng.randint(2000000, 9999999)}",
            postal_code=f"9{i}001",
            source="online",
            status="services_unavailable",
            reason="no_area",
            created_at=now - timedelta(days=rng.randint(1, 80)),
        )
        plans.append((lead, None))
    leads = Lead.objects.bulk_create([lead for lead, _ in plans], batch_size=1000)
    changes, calls = [], []
    for lead, path in plans:
        first_status = "in_process" if path is not None else lead.status
        changes.append(
            LeadStatusChange(
                lead=lead,
                location=lead.location,
                from_status="",
                to_status=first_status,
                reason="" if path is not None else lead.reason,
                actor_kind="system",
                created_at=lead.created_at,
            )
        )
        for step, (source, to, reason, actor_kind) in enumerate(path or [], start=1):
            changes.append(
                LeadStatusChange(
                    lead=lead,
                    location=lead.location,
                    from_status=source,
                    to_status=to,
                    reason=reason,
                    actor_kind=actor_kind,
                    created_at=lead.created_at + timedelta(hours=step * 6),
                )
            )
        if lead.location_id and lead.source == "phone":
            calls.append((lead, None))
    LeadStatusChange.objects.bulk_create(changes, batch_size=2000)
    numbers = {loc.pk: list(loc.phone_numbers.values_list("number", flat=True)) for loc in demo.locations}
    CallRecord.objects.bulk_create(
        [
            CallRecord(
                location_id=lead.location_id,
                caller_number=lead.phone,
                called_number=numbers[lead.location_id][0],
                started_at=lead.created_at,
                duration_seconds=rng.randint(40, 600),
                recording_url=f"https://recordings.example/demo/{lead.pk}.mp3",
                lead=lead,
                provider_call_id=f"DEMO-{lead.pk}",
            )
            for lead, _ in calls
            if numbers.get(lead.location_id)
        ],
        batch_size=1000,
    )
    # bulk_create stamps updated_at with now: make it the last change's time instead.
    for lead, path in plans:
        lead.updated_at = lead.created_at + timedelta(hours=6 * len(path or []))
    Lead.objects.bulk_update([lead for lead, _ in plans], ["updated_at"], batch_size=1000)
    lead_counts_add(leads)
