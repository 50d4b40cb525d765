import pytest
from django.db.models import Count

from accounts import demo as accounts_demo
from leads import demo
from leads.models import CallRecord, ContactStep, Lead, LeadStatusCount


@pytest.mark.django_db
def test_demo_seed_covers_every_status_and_reason_and_is_idempotent():
    seeded = accounts_demo.seed()
    demo.seed(seeded)
    demo.seed(seeded)
    statuses = set(Lead.objects.values_list("status", flat=True))
    reasons = set(Lead.objects.exclude(reason="").values_list("reason", flat=True))
    assert statuses == set(Lead.Status.values)
    assert reasons == set(Lead.Reason.values)
    for location in seeded.locations:
        assert 200 <= location.leads.count() <= 300
    assert Lead.objects.filter(location__isnull=True).exists()
    assert CallRecord.objects.filter(recording_url__startswith="https://recordings.example/").exists()
    assert list(ContactStep.objects.values_list("kind", flat=True)) == [
        "call",
        "wait",
        "sms_intro",
        "call",
        "wait",
        "call",
    ]
    real = {
        (r["location"], r["status"]): r["n"] for r in Lead.objects.values("location", "status").annotate(n=Count("id"))
    }
    counters = {(c.location_id, c.status): c.count for c in LeadStatusCount.objects.exclude(count=0)}
    assert real == counters
