"""Finding the Location for a call and its card: local time, plan, open state, catalog, routing."""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from tests.factories import AreaFactory, AreaPostalCodeFactory, LocationFactory, ServiceFactory, agent_client

pytestmark = pytest.mark.django_db
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
# A Monday in business hours, New York: 2030-03-04 10:30 local.
MONDAY_MORNING = dt.datetime(2030, 3, 4, 10, 30, tzinfo=NEW_YORK)


def card(console, location, **params):
    return console.get(f"/agent/locations/{location.pk}/", params)


def test_number_called_opens_the_card(console, tenant_a, line_a):
    response = console.get("/agent/", {"q": "(718) 555-0190"})
    assert response.status_code == 302
    assert response["Location"] == f"/agent/locations/{tenant_a.location.pk}/"


def test_search_by_postal_code_brand_and_name(console, tenant_a, tenant_b):
    area = AreaFactory(location=tenant_a.location)
    AreaPostalCodeFactory(area=area, postal_code="11215")
    response = console.get("/agent/", {"q": "11215-1234"})
    assert response.status_code == 200
    assert [m.location for m in response.context["matches"]] == [tenant_a.location]
    assert response.context["matches"][0].matched == "postal_code"

    response = console.get("/agent/", {"brand": tenant_b.brand.pk})
    assert [m.location for m in response.context["matches"]] == [tenant_b.location]

    response = console.get("/agent/", {"q": "location b"})
    assert [m.location for m in response.context["matches"]] == [tenant_b.location]

    response = console.get("/agent/", {"q": "nothing like this"})
    assert response.context["matches"] == [] and b"No Location matches" in response.content


def test_search_results_come_back_as_a_partial_for_htmx(console, tenant_a):
    response = console.get("/agent/", {"q": "Location A"}, HTTP_HX_REQUEST="true")
    assert b'id="location-results"' in response.content and b"<html" not in response.content


def test_card_shows_local_time_plan_open_state_and_catalog(agent, tenant_a, line_a):
    location = tenant_a.location
    offered = ServiceFactory(brand=location.brand, name="Companion care")
    ServiceFactory(brand=location.brand, name="Respite care", book_anyway=True)
    location.services_offered.add(offered)
    location.brand.emergency_definition = "A client left without care today."
    location.brand.save()
    with time_machine.travel(MONDAY_MORNING, tick=False):
        response = card(agent_client(agent), location)  # logged in at the travelled time
    text = response.content.decode()
    assert "Monday 10:30 AM" in text and "America/New_York" in text
    assert "Business hours plan" in text and "Open now" in text
    assert "Companion care" in text and "Respite care" in text
    assert "A client left without care today." in text
    assert "+17185550190" in text and location.back_office in text
    assert response.context["decision"].action == "book"  # default facts: a lead, now

    with time_machine.travel(dt.datetime(2030, 3, 9, 10, 30, tzinfo=NEW_YORK), tick=False):  # Saturday
        assert "Closed now" in card(agent_client(agent), location).content.decode()


@pytest.mark.parametrize(
    ("at", "facts", "action", "first_target"),
    [
        ("2030-03-04T10:30", {"caller_type": "lead"}, "book", "location"),
        (
            "2030-03-04T10:30",
            {"caller_type": "existing_customer", "needed_within_24h": "on"},
            "transfer",
            "back_office",
        ),
        ("2030-03-04T19:30", {"caller_type": "existing_customer", "needed_within_24h": "on"}, "message", "location"),
        ("2030-03-04T10:30", {"caller_type": "other", "spam": "on"}, "message", "location"),
    ],
)
def test_routing_follows_the_ticked_facts_at_the_chosen_time(console, tenant_a, at, facts, action, first_target):
    response = card(console, tenant_a.location, at=at, **facts)
    decision = response.context["decision"]
    assert decision.action == action
    if decision.steps:
        assert decision.steps[0].target == first_target
    assert decision.local_time.tzinfo is not None
    assert decision.local_time.strftime("%Y-%m-%dT%H:%M") == at


def test_routing_partial_for_htmx_and_bad_time(console, tenant_a):
    response = console.get(
        f"/agent/locations/{tenant_a.location.pk}/",
        {"at": "2030-03-04T10:30", "caller_type": "existing_customer", "needed_within_24h": "on"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="routing",
    )
    text = response.content.decode()
    assert response.status_code == 200 and "<html" not in text
    assert 'id="routing"' in text and 'data-action="transfer"' in text and "Transfer the call" in text

    response = card(console, tenant_a.location, at="not a time", caller_type="lead")
    assert response.status_code == 200 and response.context["decision"] is None
    assert "Check the time" in response.content.decode()


def test_at_is_read_in_the_locations_zone_across_dst(console, db):
    denver = LocationFactory(time_zone="America/Denver", plan="twenty_four_seven")
    # 2030-03-10 is the spring-forward Sunday: 02:30 does not exist in Denver.
    response = card(console, denver, at="2030-03-10T02:30", caller_type="other", emergency="on")
    assert response.context["decision"] is None
    response = card(console, denver, at="2030-03-10T20:00", caller_type="other", emergency="on")
    decision = response.context["decision"]
    assert decision.action == "transfer" and decision.steps[0].target == "after_hours"
    assert decision.local_time.utcoffset() == dt.timedelta(hours=-6)


def test_answering_only_location_is_flagged(console, db):
    phoenix = LocationFactory(time_zone="America/Phoenix", plan="answering_only")
    response = card(console, phoenix, at="2030-03-04T10:30", caller_type="lead")
    assert response.context["decision"].action == "message"
    assert "Answering service only" in response.content.decode()
