"""The calendar week's appointment cards come from the cache (calendars.cards, issue #17): the
same card is rendered once, a change to what it shows renders it again, the page's forms carry
the request's own CSRF token, and a cache that is down costs nothing but speed."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from calendars import cards
from tests.factories import AppointmentFactory, LeadFactory

from .conftest import local

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch):
    """How many cards were rendered from the template (not read from the cache)."""
    counted = []
    template = cards.get_template(cards.TEMPLATE)
    original = template.render

    class Counting:
        template = original.__self__.template  # the source the cache key is made of

        def render(self, context=None, request=None):
            counted.append(context["appointment"].pk)
            return original(context, request)

    monkeypatch.setattr(cards, "get_template", lambda name: Counting() if name == cards.TEMPLATE else template)
    return counted


def week(client, location):
    return client.get("/calendar/", {"date": local(location, 1, 0).date().isoformat()})


@pytest.fixture
def owner_client(tenant_a, booking_location):
    cache.clear()
    client = Client(enforce_csrf_checks=True)
    client.force_login(tenant_a.owner)
    return client


def test_a_card_is_rendered_once_and_again_only_when_what_it_shows_changes(owner_client, booking_location, renders):
    lead = LeadFactory(location=booking_location, first_name="Ada", last_name="Quinn")
    first = AppointmentFactory(
        location=booking_location, lead=lead, start=local(booking_location, 1, 10), end=local(booking_location, 1, 11)
    )
    second = AppointmentFactory(
        location=booking_location, start=local(booking_location, 1, 12), end=local(booking_location, 1, 13)
    )
    assert week(owner_client, booking_location).status_code == 200
    assert sorted(renders) == sorted([first.pk, second.pk])

    renders.clear()
    body = week(owner_client, booking_location).content.decode()
    assert renders == [] and "Ada Quinn" in body  # both from the cache

    lead.first_name = "Adele"
    lead.save()
    first.meeting_type = "video"
    first.save()
    body = week(owner_client, booking_location).content.decode()
    assert renders == [first.pk]
    assert "Adele Quinn" in body and "Ada Quinn" not in body and "Video call" in body


def test_the_cached_cards_forms_carry_this_requests_csrf_token(owner_client, booking_location):
    appointment = AppointmentFactory(
        location=booking_location, start=local(booking_location, 1, 10), end=local(booking_location, 1, 11)
    )
    week(owner_client, booking_location)  # fills the cache
    body = week(owner_client, booking_location).content.decode()
    assert cards.CSRF_PLACEHOLDER not in body
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    response = owner_client.post(
        f"/calendar/appointments/{appointment.pk}/cancel/", {"csrfmiddlewaretoken": token, "reason": "moved"}
    )
    assert response.status_code in (200, 302)
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"


def test_a_cache_that_is_down_still_shows_every_card(owner_client, booking_location, monkeypatch):
    class Down:
        def get_many(self, keys):
            raise ConnectionError("cache down")

        def set_many(self, values, timeout=None):
            raise ConnectionError("cache down")

    monkeypatch.setattr(cards, "fragment_cache", Down())
    AppointmentFactory(
        location=booking_location, start=local(booking_location, 1, 10), end=local(booking_location, 1, 11)
    )
    response = week(owner_client, booking_location)
    assert response.status_code == 200
    assert response.content.decode().count('class="appointment ') == 1
