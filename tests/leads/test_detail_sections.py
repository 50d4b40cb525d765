"""The lead page gathers every capability's part: appointments, conflicts and same-day requests,
office messages, the SMS thread and deliveries — with a query count that does not grow."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from tests.factories import (
    AppointmentFactory,
    CallRecordFactory,
    ConflictFactory,
    LeadFactory,
    NotificationFactory,
    OfficeMessageFactory,
    SameDayRequestFactory,
    SmsMessageFactory,
)


def _lead_with(location, n):
    lead = LeadFactory(location=location, phone="+13475550123")
    lead_type = ContentType.objects.get_for_model(lead)
    for i in range(n):
        AppointmentFactory(location=location, lead=lead)
        ConflictFactory(location=location, lead=lead, caller_notes=f"conflict note {i}")
        SameDayRequestFactory(location=location, lead=lead)
        OfficeMessageFactory(location=location, lead=lead, body=f"message body {i}")
        SmsMessageFactory(location=location, lead=lead, body=f"text body {i}", message_sid=f"SM{lead.pk}-{i}")
        NotificationFactory(location=location, subject_type=lead_type, subject_id=lead.pk, kind=f"kind{i}")
        CallRecordFactory(location=location, lead=lead)
    return lead


@pytest.mark.django_db
def test_lead_page_shows_every_section(tenant_a):
    lead = _lead_with(tenant_a.location, 1)
    client = Client()
    client.force_login(tenant_a.owner)
    page = client.get(lead.get_absolute_url()).content.decode()
    for text in (
        "Appointments",
        "Conflicts and same-day requests",
        "Same-day request",
        "message body 0",
        "text body 0",
        "Deliveries",
        "kind0",
    ):
        assert text in page, text


@pytest.mark.django_db
def test_lead_page_queries_do_not_grow(tenant_a, django_assert_max_num_queries):
    client = Client()
    client.force_login(tenant_a.owner)
    counts = []
    for n in (1, 15):
        lead = _lead_with(tenant_a.location, n)
        client.get(lead.get_absolute_url())  # warm the session and per-process caches
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(lead.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


@pytest.mark.django_db
def test_the_timeline_read_in_sql_is_the_orm_timeline(tenant_a, agent):
    """leads.selectors.lead_timeline (SQL written out) gives what its ORM form gave: the same
    items in the same order, the actor's name shown, calls matched by the lead's number too."""
    from datetime import timedelta

    from django.db.models import Q
    from django.utils import timezone

    from leads.models import CallRecord, CallTask, LeadStatusChange
    from leads.selectors import lead_timeline
    from tests.support_leads import CallTaskFactory

    lead = LeadFactory(location=tenant_a.location, phone="+13475550123")
    now = timezone.now()
    for minutes, actor in ((3, tenant_a.owner), (3, None), (1, agent)):  # a tie on the time
        LeadStatusChange.objects.create(
            lead=lead, location=lead.location, to_status="in_process", actor=actor, actor_kind="owner",
            created_at=now - timedelta(minutes=minutes),
        )  # fmt: skip
    CallRecordFactory(location=tenant_a.location, lead=lead, started_at=now - timedelta(minutes=2))
    CallRecordFactory(location=tenant_a.location, caller_number=lead.phone, started_at=now - timedelta(minutes=4))
    CallRecordFactory(location=tenant_a.location, started_at=now)  # another caller's
    CallTaskFactory(lead=lead, outcome="no_answer", completed_at=now - timedelta(minutes=5))
    CallTaskFactory(lead=lead)  # not attempted yet

    changes = LeadStatusChange.objects.filter(lead=lead).select_related("actor")
    calls = CallRecord.objects.filter(Q(lead=lead) | Q(caller_number=lead.phone, location_id=lead.location_id))
    tasks = CallTask.objects.filter(lead=lead).exclude(outcome="")
    expected = [("status", c.created_at, c.pk, str(c.actor or "")) for c in changes]
    expected += [("call", c.started_at, c.pk, "") for c in calls.order_by("-started_at", "-id")]
    expected += [("attempt", t.completed_at, t.pk, "") for t in tasks]
    expected.sort(key=lambda item: item[1], reverse=True)

    got = [
        (i["kind"], i["at"], i["obj"].pk, str(i["obj"].actor or "") if i["kind"] == "status" else "")
        for i in lead_timeline(lead=lead)
    ]
    assert got == expected and len(got) == 6
    assert str(tenant_a.owner) in {actor for *_, actor in got}
