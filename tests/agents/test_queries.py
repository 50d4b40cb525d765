"""Agent pages run a fixed number of SQL queries whatever the number of rows (1 vs many)."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import (
    AppointmentFactory,
    CallbackFactory,
    CallRecordFactory,
    CallTaskFactory,
    ConflictFactory,
    LeadFactory,
    LeadStatusChangeFactory,
    LocationPhoneNumberFactory,
    SameDayRequestFactory,
    ServiceFactory,
    SmsMessageFactory,
)

pytestmark = pytest.mark.django_db

# Every console page: session, user, the agent check (Agents group). The console has no Location
# switcher (an agent works every Location from the finder), so no query for it.
CONSOLE = 3


def test_location_card(console, tenant_a, line_a, django_assert_num_queries):
    location = tenant_a.location
    url = f"/agent/locations/{location.pk}/"
    params = {"at": "2030-03-04T10:30", "caller_type": "existing_customer", "needed_within_24h": "on", "lead_q": "ada"}
    LeadFactory(location=location, first_name="Ada")
    location.services_offered.add(ServiceFactory(brand=location.brand))

    def check():
        # the Location with its brand; numbers called; services offered; "book anyway"
        # services; the lead form's service choices; the lead search. Routing needs no query
        # (the Location has its own numbers).
        with django_assert_num_queries(CONSOLE + 6):
            response = console.get(url, params)
        assert response.status_code == 200
        return response

    check()
    for _ in range(6):
        LeadFactory(location=location, first_name="Ada")
        LocationPhoneNumberFactory(location=location)
        location.services_offered.add(ServiceFactory(brand=location.brand))
        ServiceFactory(brand=location.brand, book_anyway=True)
    assert len(check().context["leads"]) == 7


def test_lead_workspace(console, tenant_a, open_weekdays, django_assert_num_queries):
    location = tenant_a.location
    lead = LeadFactory(location=location, phone="+13475550142")

    base = timezone.now().replace(microsecond=0) + dt.timedelta(days=20)
    made = []

    def add_rows(n):
        for _ in range(n):
            made.append(1)
            i = len(made)
            LeadStatusChangeFactory(lead=lead)
            CallRecordFactory(location=location, lead=lead)
            CallTaskFactory(lead=lead, outcome="no_answer", completed_at=timezone.now())
            AppointmentFactory(
                location=location,
                lead=lead,
                start=base + dt.timedelta(days=i),
                end=base + dt.timedelta(days=i, hours=1),
            )
            ConflictFactory(location=location, lead=lead)
            SameDayRequestFactory(location=location, lead=lead)
            SmsMessageFactory(location=location, lead=lead)

    console.get(f"/agent/leads/{lead.pk}/")  # the first visit remembers the nav's current lead (session write)

    def check():
        # the lead with its Location and brand; the agent's role (actor kind); timeline: status
        # changes, calls, call attempts; appointments; conflicts; same-day requests; SMS thread;
        # the STOP check; the consent ledger; slot search: availability (windows and exceptions
        # in one), booked intervals.
        with django_assert_num_queries(CONSOLE + 13):
            response = console.get(f"/agent/leads/{lead.pk}/")
        assert response.status_code == 200
        return response

    add_rows(1)
    check()
    add_rows(5)
    response = check()
    assert len(response.context["workspace"].conflicts) == 6


def test_callback_queue(console, tenant_a, tenant_b, django_assert_num_queries):
    def check(params=None):
        # open callbacks with lead, Location and subject; the Location filter's choices.
        with django_assert_num_queries(CONSOLE + 2):
            response = console.get("/agent/callbacks/", params or {})
        return response

    CallbackFactory(conflict=ConflictFactory(location=tenant_a.location, status="approved"))
    check()
    for tenant in (tenant_a, tenant_b, tenant_a):
        CallbackFactory(
            conflict=ConflictFactory(location=tenant.location, status="declined"), reason="conflict_declined"
        )
        CallbackFactory(
            conflict=None,
            same_day_request=SameDayRequestFactory(location=tenant.location, status="declined"),
            location=tenant.location,
            lead=LeadFactory(location=tenant.location),
            reason="same_day_declined",
        )
    assert len(check().context["items"]) == 7
    assert len(check({"location": tenant_a.location.pk}).context["items"]) == 5


def test_call_queue(console, tenant_a, tenant_b, django_assert_num_queries):
    def check(params=None):
        # open call tasks with lead and Location; the Location filter's choices.
        with django_assert_num_queries(CONSOLE + 2):
            response = console.get("/agent/calls/", params or {})
        return response

    CallTaskFactory(lead=LeadFactory(location=tenant_a.location))
    check()
    for tenant in (tenant_a, tenant_b, tenant_a, tenant_b):
        CallTaskFactory(lead=LeadFactory(location=tenant.location))
    assert len(check().context["items"]) == 5
    assert len(check({"location": tenant_b.location.pk}).context["items"]) == 2


def test_location_search(console, tenant_a, tenant_b, django_assert_num_queries):
    # the matching Locations with their brand; the brand filter's choices.
    with django_assert_num_queries(CONSOLE + 2):
        response = console.get("/agent/", {"q": "Location"})
    assert len(response.context["matches"]) == 2
