"""Portal and agent-console edges (issue #9 item 5): dates 2000–2100 in every form and query
parameter, NUL refused at the edge, lengths checked before the database, safe redirects."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.webhooks import twilio_signature
from tests.clients import login
from tests.factories import AppointmentFactory, LeadFactory, make_agent
from tests.support_calendars import week_of_windows

pytestmark = pytest.mark.django_db
RANGE = "between 2000-01-01 and 2100-12-31"


@pytest.fixture
def owner(tenant_a):
    return login(tenant_a.owner, raise_request_exception=False)


@pytest.fixture
def agent_client(db):
    return login(make_agent(email="edge-agent@example.test"), raise_request_exception=False)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_owner_pages_bound_dates_in_query_parameters(owner, tenant_a, day):
    leads = owner.get("/leads/", {"end": day})
    assert leads.status_code == 200 and RANGE in leads.content.decode()
    assert owner.get("/leads/export.csv", {"start": day, "end": day}).status_code == 200
    assert owner.get("/calendar/", {"date": day}).status_code == 200  # out of range: today's week
    assert owner.get("/calendar/", {"date": day, "view": "month"}).status_code == 200
    routing = owner.get("/routing/", {"location": tenant_a.location.pk, "day": day, "time": "10:00"})
    assert routing.status_code == 200 and RANGE in routing.content.decode()
    reports = owner.get("/reports/", {"at": f"{day}T10:00", "caller": "+12125550123"})
    assert reports.status_code == 200 and RANGE in reports.content.decode()


def test_reschedule_to_year_9999_is_a_400_naming_the_range(owner, tenant_a):
    appointment = AppointmentFactory(location=tenant_a.location)
    url = f"/calendar/appointments/{appointment.pk}/reschedule/"
    response = owner.post(url, {"start": "9999-12-31T23:30"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and RANGE in response.content.decode()


@pytest.mark.parametrize("next_url", ["2147483648", "dashboard", "https://evil.example/"])
def test_an_appointment_action_redirects_only_to_a_local_path(owner, tenant_a, next_url):
    appointment = AppointmentFactory(location=tenant_a.location)
    response = owner.post(f"/calendar/appointments/{appointment.pk}/cancel/", {"next": next_url})
    assert response.status_code == 302 and response["Location"] == appointment.get_absolute_url()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_agent_console_bounds_slot_search_and_booking_dates(agent_client, tenant_a, day):
    week_of_windows(tenant_a.location)
    lead = LeadFactory(location=tenant_a.location)
    page = agent_client.get(f"/agent/leads/{lead.pk}/", {"slot_from": day, "slot_days": 7})
    assert page.status_code == 200 and RANGE in page.content.decode()
    booked = agent_client.post(
        f"/agent/leads/{lead.pk}/book/", {"start": f"{day}T23:30", "minutes": 60, "meeting_type": "office"}
    )
    assert booked.status_code in (200, 400) and RANGE in booked.content.decode()


def test_nul_in_a_search_box_or_a_path_is_a_400(owner, agent_client, tenant_a):
    assert owner.get("/leads/", {"q": "Mary\x00"}).status_code == 400
    assert agent_client.get(f"/agent/locations/{tenant_a.location.pk}/", {"lead_q": "\x00"}).status_code == 400
    assert owner.get("/n/%00/").status_code == 400
    assert owner.get("/calendar/%00.ics").status_code == 400
    api = owner.get("/api/v1/leads/", {"status": "\x00"})
    assert api.status_code == 400 and api.json() == {"status": ["A NUL character is not allowed here."]}


def test_nul_in_a_webhook_field_is_a_400(client):
    url = "/webhooks/twilio/status/"
    params = {"MessageSid": "SM\x001", "MessageStatus": "delivered"}
    response = client.post(url, params, HTTP_X_TWILIO_SIGNATURE=twilio_signature(url, params))
    assert response.status_code == 400


def test_a_status_reason_longer_than_its_column_is_refused_before_the_database(owner, tenant_a):
    lead = LeadFactory(location=tenant_a.location)
    response = owner.post(f"/leads/{lead.pk}/status/", {"status": "bad_lead", "reason": "x" * 201})
    assert response.status_code == 400 and "at most 200 characters" in response.content.decode()


def test_a_call_stored_in_year_1_does_not_break_the_lead_pages(owner, agent_client, tenant_a):
    """A row from before the bounds existed (or written by a script) must still display."""
    from tests.support_leads import CallRecordFactory

    lead = LeadFactory(location=tenant_a.location, phone="+13475559999")
    CallRecordFactory(
        location=tenant_a.location,
        lead=lead,
        caller_number=lead.phone,
        started_at=dt.datetime(1, 1, 1, tzinfo=dt.UTC),
    )
    assert owner.get(f"/leads/{lead.pk}/").status_code == 200
    assert agent_client.get(f"/agent/leads/{lead.pk}/").status_code == 200
    assert owner.get("/reports/", {"caller": lead.phone}).status_code == 200


@pytest.mark.parametrize("url", ["/webhooks/twilio/sms/", "/webhooks/twilio/status/"])
def test_a_message_sid_longer_than_a_twilio_id_is_a_400(client, url):
    params = {"MessageSid": "SM" + "x" * 10_000, "MessageStatus": "delivered", "From": "+13475550001", "Body": "Hi"}
    response = client.post(url, params, HTTP_X_TWILIO_SIGNATURE=twilio_signature(url, params))
    assert response.status_code == 400
