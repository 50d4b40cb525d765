"""The Leads list's rows come from the fragment cache (pronexis.fragments, issue #17): a row is
rendered once, again as soon as anything it shows changes, never one time zone's row in another,
and every row is shown when the cache is down."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from leads.views import ROW_TEMPLATE, _row_shown
from pronexis import fragments
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch):
    """The items rendered from a template (not read from the cache), by template name."""
    counted = []
    real_get_template = fragments.get_template

    class Counting:
        def __init__(self, name):
            self.name, self.real = name, real_get_template(name)
            self.template = self.real.template  # its source is part of the key

        def render(self, context=None, request=None):
            counted.append((self.name, context))
            return self.real.render(context, request)

    monkeypatch.setattr(fragments, "get_template", Counting)
    return counted


@pytest.fixture
def owner(tenant_a):
    cache.clear()
    client = Client()
    client.force_login(tenant_a.owner)
    return client


def lead_rows(renders):
    return sorted(context["lead"].first_name for name, context in renders if name == ROW_TEMPLATE)


def test_a_lead_row_is_rendered_once_and_again_when_what_it_shows_changes(owner, tenant_a, renders):
    ada = LeadFactory(location=tenant_a.location, first_name="Ada", phone="+12125550123")
    LeadFactory(location=tenant_a.location, first_name="Bo")
    assert owner.get("/leads/").status_code == 200
    assert lead_rows(renders) == ["Ada", "Bo"]

    renders.clear()
    body = owner.get("/leads/").content.decode()
    assert lead_rows(renders) == [] and "Ada" in body and "(212) 555-0123" in body

    ada.status, ada.phone = "converted", "+12125550199"
    ada.save()
    body = owner.get("/leads/").content.decode()
    assert lead_rows(renders) == ["Ada"]
    assert "(212) 555-0199" in body and "(212) 555-0123" not in body and "Converted" in body


def test_a_renamed_location_renders_its_rows_again(owner, tenant_a, renders):
    LeadFactory(location=tenant_a.location, first_name="Ada")
    owner.get("/leads/")
    tenant_a.location.name = "Harbour Street"
    tenant_a.location.save()
    renders.clear()
    assert "Harbour Street" in owner.get("/leads/").content.decode()
    assert lead_rows(renders) == ["Ada"]


def test_the_same_row_in_another_time_zone_is_another_fragment(tenant_a):
    lead = LeadFactory(location=None, brand=tenant_a.location.brand)  # shown in the viewer's zone
    with timezone.override("America/New_York"):
        eastern = _row_shown(lead)
    with timezone.override("Asia/Tokyo"):
        assert _row_shown(lead) != eastern


def test_a_cache_that_is_down_still_shows_every_row(owner, tenant_a, monkeypatch):
    class Down:
        def get_many(self, keys):
            raise ConnectionError("cache down")

        def set_many(self, values, timeout=None):
            raise ConnectionError("cache down")

    monkeypatch.setattr(fragments, "fragment_cache", Down())
    for name in ("Ada", "Bo", "Cy"):
        LeadFactory(location=tenant_a.location, first_name=name)
    body = owner.get("/leads/").content.decode()
    assert all(name in body for name in ("Ada", "Bo", "Cy"))
