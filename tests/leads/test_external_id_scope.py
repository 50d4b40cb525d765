"""`external_id` is unique within the token's scope (#9 item 7; DESIGN "Round 2 contracts"): a
Location's own namespace for location tokens, the brand's for brand and agent tokens. One
franchisee cannot claim an id another Location's web form will send, and neither a 200 nor a 409
ever shows another tenant's lead."""

from __future__ import annotations

import pytest

from leads.models import Lead
from tests.conftest import token_client
from tests.factories import LocationFactory, MembershipFactory

URL = "/api/v1/leads/"


def _payload(location, **extra):
    return {"first_name": "Ada", "phone": "(347) 555-0101", "location": location.pk, "source": "online", **extra}


@pytest.fixture
def neighbour(tenant_a):
    """Another franchisee's Location in tenant A's brand, with its own owner and web-form token."""
    location = LocationFactory(brand=tenant_a.brand)
    owner = MembershipFactory(location=location, role="owner").user
    return location, token_client(owner, "location")


@pytest.mark.django_db
def test_a_location_token_cannot_claim_another_locations_external_id(tenant_a, neighbour):
    mine = token_client(tenant_a.owner, "location")
    theirs_location, theirs = neighbour
    squatted = mine.post(URL, _payload(tenant_a.location, external_id="web-7"), format="json")
    assert squatted.status_code == 201
    # The neighbour's form sends the id it was always going to send: its own lead, 201.
    first = theirs.post(URL, _payload(theirs_location, external_id="web-7"), format="json")
    assert first.status_code == 201, first.json()
    assert first.json()["location"] == theirs_location.pk and first.json()["id"] != squatted.json()["id"]
    # Each namespace stays idempotent on its own.
    again = theirs.post(URL, _payload(theirs_location, external_id="web-7"), format="json")
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    assert (
        mine.post(URL, _payload(tenant_a.location, external_id="web-7"), format="json").json()["id"]
        == (squatted.json()["id"])
    )


@pytest.mark.django_db
def test_a_409_names_only_the_callers_own_lead(tenant_a, neighbour):
    theirs_location, theirs = neighbour
    squatted = token_client(tenant_a.owner, "location").post(
        URL, _payload(tenant_a.location, external_id="web-8"), format="json"
    )
    first = theirs.post(URL, _payload(theirs_location, external_id="web-8"), format="json")
    changed = theirs.post(URL, _payload(theirs_location, external_id="web-8", notes="changed"), format="json")
    assert changed.status_code == 409
    detail = changed.json()["detail"]
    assert str(first.json()["id"]) in detail and str(squatted.json()["id"]) not in detail


@pytest.mark.django_db
def test_brand_and_agent_tokens_share_the_brand_namespace_apart_from_location_tokens(tenant_a, agent):
    by_location = token_client(tenant_a.owner, "location").post(
        URL, _payload(tenant_a.location, external_id="crm-1"), format="json"
    )
    by_brand = token_client(tenant_a.brand_user, "brand", brand=tenant_a.brand).post(
        URL, _payload(tenant_a.location, external_id="crm-1"), format="json"
    )
    by_agent = token_client(agent, "agent").post(URL, _payload(tenant_a.location, external_id="crm-1"), format="json")
    assert (by_location.status_code, by_brand.status_code, by_agent.status_code) == (201, 201, 200)
    assert by_agent.json()["id"] == by_brand.json()["id"] != by_location.json()["id"]
    assert Lead.objects.filter(external_id="crm-1").count() == 2


@pytest.mark.django_db
def test_the_database_keeps_one_lead_per_external_id_and_namespace(tenant_a):
    from django.db import IntegrityError, transaction

    from tests.factories import LeadFactory

    location = tenant_a.location
    namespace = f"location:{location.pk}"
    LeadFactory(location=location, brand=location.brand, external_id="x-1", external_id_scope=namespace)
    LeadFactory(location=location, brand=location.brand, external_id="x-1", external_id_scope="brand")
    with pytest.raises(IntegrityError), transaction.atomic():
        LeadFactory(location=location, brand=location.brand, external_id="x-1", external_id_scope=namespace)
