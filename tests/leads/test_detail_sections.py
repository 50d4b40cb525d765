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
