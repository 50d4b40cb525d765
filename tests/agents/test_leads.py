"""Finding or creating the caller's lead from the card, and its status through the table."""

import pytest

from leads.models import Lead, LeadStatusChange
from tests.factories import LeadFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def new_lead(console, location, **fields):
    data = {"first_name": "Ada", "last_name": "Byron", "phone": "(347) 555-0142", "email": "", "postal_code": "11201"}
    data.update(fields)
    return console.post(f"/agent/locations/{location.pk}/leads/new/", data)


def test_create_a_lead_from_the_card(console, tenant_a, agent):
    response = new_lead(console, tenant_a.location, notes="Mother needs help at home.")
    lead = Lead.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/agent/leads/{lead.pk}/"
    assert (lead.location, lead.status, lead.source, lead.phone) == (
        tenant_a.location,
        "in_process",
        "phone",
        "+13475550142",
    )
    change = LeadStatusChange.objects.get(lead=lead)
    assert change.actor == agent and change.to_status == "in_process"


def test_service_not_offered_is_classified_by_capture(console, tenant_a):
    ServiceFactory(brand=tenant_a.brand, name="Live-in care")
    new_lead(console, tenant_a.location, service="Live-in care")
    lead = Lead.objects.get()
    assert (lead.status, lead.reason) == ("services_unavailable", "service_not_offered")


def test_bad_input_is_a_form_error(console, tenant_a):
    response = new_lead(console, tenant_a.location, phone="12", email="")
    assert response.status_code == 400 and not Lead.objects.exists()
    assert "not a valid phone number" in response.content.decode()
    response = new_lead(console, tenant_a.location, phone="", email="")
    assert (
        response.status_code == 400 and "A phone number or an e-mail address is required." in response.content.decode()
    )


def test_duplicate_is_shown_before_creating(console, tenant_a):
    existing = LeadFactory(location=tenant_a.location, phone="+13475550142")
    response = new_lead(console, tenant_a.location)
    assert response.status_code == 409 and Lead.objects.count() == 1
    assert f"/agent/leads/{existing.pk}/" in response.content.decode()
    response = new_lead(console, tenant_a.location, create_anyway="on")
    assert response.status_code == 302
    created = Lead.objects.exclude(pk=existing.pk).get()
    assert (created.status, created.reason, created.duplicate_of) == ("bad_lead", "duplicate", existing)


def test_duplicate_warning_as_the_phone_is_typed(console, tenant_a, tenant_b):
    existing = LeadFactory(location=tenant_a.location, phone="+13475550142")
    LeadFactory(location=tenant_b.location, phone="+13475550199")
    url = f"/agent/locations/{tenant_a.location.pk}/leads/duplicate/"
    response = console.get(url, {"phone": "347-555-0142"}, HTTP_HX_REQUEST="true")
    assert f"/agent/leads/{existing.pk}/" in response.content.decode()
    assert b"duplicate-warning" not in console.get(url, {"phone": "347 555 01"}).content
    assert b"duplicate-warning" not in console.get(url, {"phone": "347-555-0199"}).content  # another Location's


def test_find_the_lead_on_the_card(console, tenant_a, tenant_b):
    mine = LeadFactory(location=tenant_a.location, first_name="Grace", phone="+13475550142")
    LeadFactory(location=tenant_b.location, first_name="Grace")
    response = console.get(f"/agent/locations/{tenant_a.location.pk}/", {"lead_q": "grace"})
    assert response.context["leads"] == [mine]
    response = console.get(f"/agent/locations/{tenant_a.location.pk}/", {"lead_q": "(347) 555-0142"})
    assert response.context["leads"] == [mine]
    response = console.get(
        f"/agent/locations/{tenant_a.location.pk}/",
        {"lead_q": "grace"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="lead-results",
    )
    assert b"<html" not in response.content and f"/agent/leads/{mine.pk}/".encode() in response.content


def test_status_buttons_are_the_agents_transitions(console, tenant_a):
    lead = LeadFactory(location=tenant_a.location)
    response = console.get(f"/agent/leads/{lead.pk}/")
    offered = {(t["status"], t["reason"]) for t in response.context["transitions"]}
    assert ("not_converted", "refused") in offered and ("owner_action", "messaged") in offered
    assert not any(status in ("converted", "test_lead") for status, _ in offered)


def test_set_status_through_the_table(console, tenant_a, agent):
    lead = LeadFactory(location=tenant_a.location)
    response = console.post(f"/agent/leads/{lead.pk}/status/", {"status": "not_converted", "reason": "refused"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == "not_converted"
    change = LeadStatusChange.objects.filter(lead=lead).latest("id")
    assert (change.actor, change.actor_kind) == (agent, "agent")


def test_refused_transition_and_missing_reason(console, tenant_a):
    lead = LeadFactory(location=tenant_a.location)
    response = console.post(f"/agent/leads/{lead.pk}/status/", {"status": "converted"})
    assert response.status_code == 409 and "converted" in response.context["error"]
    response = console.post(f"/agent/leads/{lead.pk}/status/", {"status": "bad_lead"})
    assert response.status_code == 400 and "reason is required" in response.context["error"]
    lead.refresh_from_db()
    assert lead.status == "in_process"


def test_brand_only_and_answering_only_leads_render(console, tenant_a):
    from tests.factories import LocationFactory

    brand_only = LeadFactory(location=None, brand=tenant_a.brand, status="services_unavailable", reason="no_area")
    response = console.get(f"/agent/leads/{brand_only.pk}/")
    assert response.status_code == 200 and response.context["location"] is None
    phoenix = LocationFactory(plan="answering_only", time_zone="America/Phoenix")
    lead = LeadFactory(location=phoenix)
    response = console.get(f"/agent/leads/{lead.pk}/")
    assert response.status_code == 200 and "picker" not in response.context
    assert b"Free slots" not in response.content
    response = console.post(f"/agent/leads/{brand_only.pk}/book/", {"start": "2030-03-04T10:00", "minutes": 60})
    assert response.status_code == 400
