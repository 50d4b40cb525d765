"""The lead SMS thread API, the call routing API and the owners' /routing/ simulator."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.permissions import SYSTEM
from messaging.models import SmsMessage
from notifications import sms
from tests.conftest import session_api, token_client
from tests.factories import LeadFactory, MembershipFactory, SmsMessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(brooklyn):
    return LeadFactory(location=brooklyn, phone="+13475550001")


# --- lead SMS thread ----------------------------------------------------------------------
def test_agent_sends_from_the_thread_with_the_locations_number(
    clock, agent_api, lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_api.post(f"/api/v1/leads/{lead.pk}/sms/", {"body": "Would Tuesday 3pm work?"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["direction"] == "outbound"
    assert [(t.to, t.sender, t.body) for t in sms.outbox] == [
        ("+13475550001", "+17185550190", "Would Tuesday 3pm work?")
    ]
    message = SmsMessage.objects.get()
    assert message.notification.status == "sent"


@pytest.mark.parametrize("count", [1, 30])
def test_thread_lists_with_fixed_queries(agent_api, lead, count, django_assert_num_queries):
    SmsMessageFactory.create_batch(count, location=lead.location, lead=lead)
    # 1 token, 2 token last-used update, 3 the lead (scoped), 4 the thread with its notifications
    with django_assert_num_queries(4):
        response = agent_api.get(f"/api/v1/leads/{lead.pk}/sms/")
    assert response.status_code == 200 and len(response.json()["results"]) == count


def test_outbound_card_number_is_400_with_the_payment_message(agent_api, lead):
    response = agent_api.post(
        f"/api/v1/leads/{lead.pk}/sms/", {"body": "card 4242 4242 4242 4242 please"}, format="json"
    )
    assert response.status_code == 400
    assert "never take card or other payment details by text" in response.json()["body"][0]
    assert SmsMessage.objects.count() == 0


def test_location_without_texting_number_is_409(agent_api, tenant_a):
    lead = LeadFactory(location=tenant_a.location)
    response = agent_api.post(f"/api/v1/leads/{lead.pk}/sms/", {"body": "hi"}, format="json")
    assert response.status_code == 409


def test_sms_intro_renders_the_intro_text(clock, lead, django_capture_on_commit_callbacks):
    from messaging.services import send_lead_sms

    with django_capture_on_commit_callbacks(execute=True):
        message = send_lead_sms(lead=lead, kind="sms_intro", body="", actor=SYSTEM)
    assert message.body.startswith(f"Hi {lead.first_name}") and "STOP" in message.body  # leads' template
    assert sms.outbox[0].sender == "+17185550190"


def test_sms_thread_is_agent_only(tenant_a, lead):
    for role in ("owner", "manager", "viewer", "brand"):
        assert session_api(tenant_a.user(role)).get(f"/api/v1/leads/{lead.pk}/sms/").status_code == 403


# --- call routing API -----------------------------------------------------------------------
def test_route_api_returns_the_decision(agent_api, brooklyn):
    response = agent_api.post(
        "/api/v1/calls/route/",
        {"location": brooklyn.pk, "at": "2025-03-11T10:00:00-04:00", "emergency": True},
        format="json",
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["action"] == "transfer" and data["rule"] == 5
    assert data["steps"][0] == {"kind": "call", "target": "back_office", "number": brooklyn.back_office}
    assert {"kind": "sms", "target": "location", "number": "+19175550103, +19175550104"} in data["steps"]
    assert data["emergency_definition"]


def test_route_api_refuses_a_naive_time_and_unknown_fields(agent_api, brooklyn):
    response = agent_api.post(
        "/api/v1/calls/route/", {"location": brooklyn.pk, "at": "2025-03-11T10:00:00"}, format="json"
    )
    assert response.status_code == 400 and "offset" in response.json()["at"][0]
    response = agent_api.post("/api/v1/calls/route/", {"location": brooklyn.pk, "colour": "red"}, format="json")
    assert response.status_code == 400 and "colour" in response.json()
    assert agent_api.post("/api/v1/calls/route/", {"location": 999999}, format="json").status_code == 404


def test_route_api_falls_back_to_owner_phones(agent_api, tenant_a):
    location = tenant_a.location
    location.back_office = location.after_hours = location.mobile = ""
    location.save()
    tenant_a.owner.phone = "+19175550188"
    tenant_a.owner.save()
    response = agent_api.post(
        "/api/v1/calls/route/",
        {"location": location.pk, "at": "2025-03-11T14:00:00Z", "emergency": True},
        format="json",
    )
    assert response.json()["steps"][0] == {"kind": "call", "target": "owner", "number": "+19175550188"}


def test_route_api_is_agent_only(tenant_a):
    response = token_client(tenant_a.owner, "location").post("/api/v1/calls/route/", {"location": tenant_a.location.pk})
    assert response.status_code == 403


# --- the /routing/ simulator ----------------------------------------------------------------
def test_routing_simulator_shows_decision_steps_and_reasons(tenant_a):
    client = Client()
    client.force_login(tenant_a.owner)
    assert client.get("/routing/").status_code == 200
    response = client.get(
        "/routing/",
        {
            "location": tenant_a.location.pk,
            "day": "2025-03-11",
            "time": "10:00",
            "caller_type": "existing_customer",
            "needed_within_24h": "on",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Transfer the call" in page and tenant_a.location.back_office in page and "Rule 5" in page
    partial = client.get(
        "/routing/",
        {"location": tenant_a.location.pk, "day": "2025-03-15", "time": "10:00", "caller_type": "other"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "<html" not in partial and "Take a message" in partial and "Rule 4" in partial


def test_routing_simulator_only_offers_visible_locations(tenant_a, tenant_b):
    client = Client()
    client.force_login(tenant_a.owner)
    response = client.get(
        "/routing/", {"location": tenant_b.location.pk, "day": "2025-03-11", "time": "10:00", "caller_type": "other"}
    )
    assert response.status_code == 200 and tenant_b.location.back_office not in response.content.decode()
    MembershipFactory(location=tenant_b.location, user=tenant_a.owner, role="viewer")
    response = client.get(
        "/routing/", {"location": tenant_b.location.pk, "day": "2025-03-11", "time": "10:00", "caller_type": "other"}
    )
    assert "Take a message" in response.content.decode()


def test_routing_simulator_shows_the_local_time_it_was_asked_about(tenant_a):
    """A 10:00 call in New York is shown as 10:00 AM EDT, not as its UTC hour (15:00 / 2:00 PM)."""
    client = Client()
    client.force_login(tenant_a.owner)
    partial = client.get(
        "/routing/",
        {"location": tenant_a.location.pk, "day": "2025-03-11", "time": "10:00", "caller_type": "other"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "Tuesday, Mar 11, 2025 10:00 AM EDT" in partial
    assert "14:00" not in partial and "2:00 PM" not in partial and "15:00" not in partial


def test_the_unread_badge_counts_up_to_its_cap_and_says_so(tenant_a, monkeypatch):
    """The inbox's unread count stops reading at UNREAD_CAP (a tenant with 50,000 unread
    messages paid for counting them on every visit): below it the exact number, at it "N+"."""
    from messaging import selectors
    from tests.clients import login
    from tests.factories import OfficeMessageFactory

    monkeypatch.setattr(selectors, "UNREAD_CAP", 3)
    client = login(tenant_a.owner, tenant_a.location)
    OfficeMessageFactory.create_batch(2, location=tenant_a.location)
    assert "2 unread</span>" in client.get("/messages/").content.decode()
    OfficeMessageFactory.create_batch(2, location=tenant_a.location)
    assert "3+ unread</span>" in client.get("/messages/").content.decode()
