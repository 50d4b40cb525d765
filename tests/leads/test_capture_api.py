"""POST /api/v1/leads/ (DESIGN.md "Capture") and POST /api/v1/leads/{id}/status/."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from leads.models import Lead, LeadStatusChange, LeadStatusCount
from tests.conftest import session_api, token_client
from tests.factories import ContactStepFactory, LeadFactory, LocationFactory

URL = "/api/v1/leads/"


def payload(**extra):
    return {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "phone": "(347) 555-0101",
        "email": "Ada@Example.test",
        "postal_code": "11201-1234",
        "service": "companion CARE",
        "source": "online",
        **extra,
    }


@pytest.mark.django_db
def test_capture_routes_by_normalized_postal_code(routed, brand_api):
    ContactStepFactory(brand=routed.brand, position=0)
    response = brand_api.post(URL, payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["reason"], body["location"], body["duplicate_of"]) == (
        "in_process",
        "",
        routed.location.pk,
        None,
    )
    assert (body["phone"], body["email"], body["postal_code"], body["service"]) == (
        "+13475550101",
        "ada@example.test",
        "11201",
        "companion CARE",
    )
    lead = Lead.objects.get(pk=body["id"])
    assert lead.service.name == "Companion care" and lead.contact_next_run_at is not None
    change = LeadStatusChange.objects.get(lead=lead)
    assert (change.from_status, change.to_status, change.actor_kind) == ("", "in_process", "system")
    assert LeadStatusCount.objects.get(location=routed.location, status="in_process").count == 1


@pytest.mark.django_db
def test_canadian_postal_code_is_normalized(routed, brand_api):
    response = brand_api.post(URL, payload(postal_code="k1a0b1"), format="json")
    assert response.status_code == 201
    assert response.json()["postal_code"] == "K1A 0B1" and response.json()["location"] == routed.location.pk


@pytest.mark.django_db
def test_no_area_is_a_brand_only_services_unavailable_lead(routed, brand_api):
    response = brand_api.post(URL, payload(postal_code="90210"), format="json")
    body = response.json()
    assert response.status_code == 201
    assert (body["status"], body["reason"], body["location"]) == ("services_unavailable", "no_area", None)
    ids = lambda client: [row["id"] for row in client.get(URL).json()["results"]]  # noqa: E731
    assert body["id"] in ids(session_api(routed.brand_user))
    assert body["id"] not in ids(session_api(routed.owner))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "service,status,reason",
    [
        ("Companion care", "in_process", ""),
        ("dementia care", "in_process", ""),  # not offered but "book anyway": NOT unavailable
        ("Live-in care", "services_unavailable", "service_not_offered"),
        ("Pool cleaning", "services_unavailable", "service_not_offered"),  # not in the catalog
        ("", "in_process", ""),
    ],
)
def test_service_availability(routed, brand_api, service, status, reason):
    body = brand_api.post(URL, payload(service=service), format="json").json()
    assert (body["status"], body["reason"]) == (status, reason)


@pytest.mark.django_db
def test_duplicate_of_an_open_lead(routed, brand_api):
    first = brand_api.post(URL, payload(), format="json").json()
    second = brand_api.post(URL, payload(email="", phone="347.555.0101"), format="json").json()
    assert (second["status"], second["reason"], second["duplicate_of"]) == ("bad_lead", "duplicate", first["id"])
    by_email = brand_api.post(URL, payload(phone="", email="ADA@example.test"), format="json").json()
    assert by_email["duplicate_of"] == first["id"]


@pytest.mark.django_db
def test_not_a_duplicate_when_old_closed_or_elsewhere(routed, brand_api):
    LeadFactory(location=routed.location, phone="+13475550101", created_at=timezone.now() - timedelta(days=31))
    LeadFactory(location=routed.location, phone="+13475550101", status="bad_lead", reason="fake_contact_info")
    LeadFactory(location=LocationFactory(brand=routed.brand), phone="+13475550101")
    assert brand_api.post(URL, payload(), format="json").json()["status"] == "in_process"


@pytest.mark.django_db
def test_test_leads(routed, brand_api):
    body = brand_api.post(URL, payload(test=True), format="json").json()
    assert body["status"] == "test_lead" and body["test"] is True


@pytest.mark.django_db
def test_external_id_is_idempotent_per_brand(routed, brand_api):
    first = brand_api.post(URL, payload(external_id="web-1"), format="json")
    again = brand_api.post(URL, payload(external_id="web-1"), format="json")
    different = brand_api.post(URL, payload(external_id="web-1", notes="changed"), format="json")
    assert (first.status_code, again.status_code, different.status_code) == (201, 200, 409)
    assert again.json()["id"] == first.json()["id"]
    assert "external_id" in different.json()["detail"]
    assert Lead.objects.filter(external_id="web-1").count() == 1
    # Another brand may use the same external id.
    other = LocationFactory()
    other_api = token_client(routed.owner, "brand", brand=other.brand)
    assert other_api.post(URL, payload(external_id="web-1", location=other.pk), format="json").status_code == 201


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_of_one_external_id_make_one_row(routed):
    """Eight threads post the same external_id at once on PostgreSQL: one 201, seven 200, one row."""
    from tests.conftest import token_client as make_client

    clients = [make_client(routed.brand_user, "brand", brand=routed.brand) for _ in range(8)]
    barrier = threading.Barrier(len(clients))
    statuses, ids = [], []

    def post(client):
        try:
            barrier.wait()
            response = client.post(URL, payload(external_id="race-1"), format="json")
            statuses.append(response.status_code)
            ids.append(response.json()["id"])
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 7 + [201]
    assert len(set(ids)) == 1
    assert Lead.objects.filter(external_id="race-1").count() == 1
    assert LeadStatusChange.objects.count() == 1


@pytest.mark.django_db
def test_bad_input_answers_per_field(routed, brand_api):
    response = brand_api.post(
        URL, payload(phone="12", email="nope", postal_code="ABCDE", source="fax", colour="red"), format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"colour"}  # unknown fields first
    response = brand_api.post(URL, payload(phone="12", email="nope", postal_code="ABCDE", source="fax"), format="json")
    assert response.status_code == 400
    assert {"phone", "email", "postal_code", "source"} <= set(response.json())
    missing = brand_api.post(URL, payload(phone="", email="", postal_code=""), format="json")
    assert missing.status_code == 400 and "postal_code" in missing.json()
    assert Lead.objects.count() == 0


@pytest.mark.django_db
def test_who_may_capture(routed, agent, staff, tenant_b):
    assert session_api(routed.owner).post(URL, payload(), format="json").status_code == 403
    assert session_api(routed.brand_user).post(URL, payload(), format="json").status_code == 403
    assert session_api(staff).post(URL, payload(brand=routed.brand.pk), format="json").status_code == 201
    agent_api = token_client(agent, "agent")
    # Two brands exist: an agent token must name the brand (or the location).
    assert agent_api.post(URL, payload(), format="json").json() == {
        "brand": ["Required when your token spans several brands."]
    }
    assert agent_api.post(URL, payload(location=routed.location.pk), format="json").status_code == 201
    # A brand token cannot post to another brand's Location.
    brand_b = token_client(tenant_b.brand_user, "brand", brand=tenant_b.brand)
    assert brand_b.post(URL, payload(location=routed.location.pk), format="json").json() == {
        "location": ["No such location."]
    }
    # A location (owner) token may capture for its own Locations only.
    owner_token = token_client(tenant_b.owner, "location")
    response = owner_token.post(URL, payload(brand=routed.brand.pk), format="json")
    assert response.status_code == 400


@pytest.mark.django_db
def test_location_token_captures_for_its_location(routed):
    client = token_client(routed.owner, "location")
    response = client.post(URL, payload(), format="json")
    assert response.status_code == 201 and response.json()["location"] == routed.location.pk


# --- status API ---------------------------------------------------------------------------
def status_url(lead):
    return f"/api/v1/leads/{lead.pk}/status/"


@pytest.mark.django_db
def test_status_api_follows_the_table(routed, agent):
    lead = LeadFactory(location=routed.location)
    owner = session_api(routed.owner)
    refused = owner.post(status_url(lead), {"status": "converted"}, format="json")
    assert refused.status_code == 409 and "Only system" in refused.json()["detail"]
    missing = owner.post(status_url(lead), {"status": "bad_lead"}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()
    ok = owner.post(status_url(lead), {"status": "owner_action", "reason": "booked_directly"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "owner_action"
    assert session_api(routed.viewer).post(status_url(lead), {"status": "test_lead"}, format="json").status_code == 403
    assert (
        session_api(routed.brand_user).post(status_url(lead), {"status": "test_lead"}, format="json").status_code == 403
    )
    agent_api = token_client(agent, "agent")
    back = agent_api.post(status_url(lead), {"status": "in_process"}, format="json")
    assert back.status_code == 200
    assert LeadStatusChange.objects.filter(lead=lead).values_list("actor_kind", flat=True).count() == 2


@pytest.mark.django_db
def test_status_api_of_another_tenant_is_404(routed, tenant_b):
    lead = LeadFactory(location=tenant_b.location)
    response = session_api(routed.owner).post(status_url(lead), {"status": "test_lead"}, format="json")
    assert response.status_code == 404
