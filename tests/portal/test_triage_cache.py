"""The Action Center's lines come from the fragment cache (portal.action_center, pronexis.fragments,
issue #17): a line is rendered once, again only when what it shows changes; its age and colour
are this request's; its forms carry this request's CSRF token; another tenant's line is never
served; a cache that is down costs nothing but speed."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from portal import action_center
from pronexis import fragments
from tests.factories import ConflictFactory, LeadFactory, OfficeMessageFactory, SameDayRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch):
    """The dom ids of the lines rendered from the template (not read from the cache)."""
    counted = []
    original = fragments.get_template

    class Counting:
        def __init__(self, template):
            self.template = template.template  # the source the cache key is made of
            self._template = template

        def render(self, context=None, request=None):
            counted.append(context["line"].dom_id)
            return self._template.render(context, request)

    def get_template(name):
        template = original(name)
        return Counting(template) if name == action_center.LINE_TEMPLATES[0] else template

    monkeypatch.setattr(fragments, "get_template", get_template)
    return counted


@pytest.fixture
def owner(tenant_a):
    cache.clear()
    client = Client(enforce_csrf_checks=True)
    client.force_login(tenant_a.owner)
    return client


def test_a_line_is_rendered_once_and_again_only_when_what_it_shows_changes(owner, tenant_a, renders):
    lead = LeadFactory(location=tenant_a.location, first_name="Ada", last_name="Quinn")
    conflict = ConflictFactory(location=tenant_a.location, lead=lead)
    message = OfficeMessageFactory(location=tenant_a.location, urgent=True, caller_name="Bo Diaz")
    assert owner.get("/dashboard/").status_code == 200
    assert sorted(renders) == sorted([f"conflict-{conflict.pk}", f"urgent_message-{message.pk}"])

    renders.clear()
    body = owner.get("/dashboard/").content.decode()
    assert renders == [] and "Ada Quinn" in body and "Bo Diaz" in body  # both from the cache

    lead.first_name = "Adele"
    lead.save()
    body = owner.get("/dashboard/").content.decode()
    assert renders == [f"conflict-{conflict.pk}"]
    assert "Adele Quinn" in body and "Ada Quinn" not in body

    renders.clear()
    tenant_a.location.name = "Renamed"  # shown with "All my locations": part of every line's key
    tenant_a.location.save()
    owner.get("/dashboard/")
    assert sorted(renders) == sorted([f"conflict-{conflict.pk}", f"urgent_message-{message.pk}"])


def test_a_cached_line_shows_this_requests_age_and_colour(owner, tenant_a):
    SameDayRequestFactory(
        location=tenant_a.location,
        created_at=timezone.now() - dt.timedelta(minutes=5),
        requested_start=timezone.now() + dt.timedelta(hours=6),
        requested_end=timezone.now() + dt.timedelta(hours=7),
    )
    owner.get("/dashboard/")  # fills the cache
    body = owner.get("/dashboard/").content.decode()
    assert action_center.STATE not in body and action_center.AGE not in body
    assert 'class="tri-line tri-ok"' in body and "5 min ago · due in" in body


def test_the_cached_lines_forms_carry_this_requests_csrf_token(owner, tenant_a):
    conflict = ConflictFactory(location=tenant_a.location)
    owner.get("/dashboard/")  # fills the cache
    body = owner.get("/dashboard/").content.decode()
    assert fragments.CSRF_PLACEHOLDER not in body
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    response = owner.post(f"/conflicts/{conflict.pk}/respond/", {"csrfmiddlewaretoken": token, "decision": "approve"})
    assert response.status_code in (200, 302)
    conflict.refresh_from_db()
    assert conflict.status == "approved"


def test_another_tenant_never_gets_a_cached_line(owner, tenant_a, tenant_b):
    ConflictFactory(location=tenant_a.location, lead=LeadFactory(location=tenant_a.location, first_name="Ada"))
    owner.get("/dashboard/")
    other = Client()
    other.force_login(tenant_b.owner)
    body = other.get("/dashboard/").content.decode()
    assert "Ada" not in body and "Nothing is waiting for you." in body


def test_a_cache_that_is_down_still_shows_every_line(owner, tenant_a, monkeypatch):
    class Down:
        def get_many(self, keys):
            raise ConnectionError("cache down")

        def set_many(self, values, timeout=None):
            raise ConnectionError("cache down")

    monkeypatch.setattr(fragments, "fragment_cache", Down())
    ConflictFactory(location=tenant_a.location)
    OfficeMessageFactory(location=tenant_a.location, urgent=True)
    response = owner.get("/dashboard/")
    assert response.status_code == 200
    assert response.content.decode().count('class="tri-line ') == 2
