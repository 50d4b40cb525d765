"""Only agents (and staff) use the console: every /agent/ URL answers 403 to the owner, manager,
viewer and brand user of the object's own Location, before any lookup; agents are not staff."""

import pytest
from django.test import Client
from django.urls import reverse

from conflicts.models import Callback, SameDayRequest
from tests.factories import (
    AGENT_URL_NAMES,
    CallbackFactory,
    CallTaskFactory,
    ConflictFactory,
    LeadFactory,
    SameDayRequestFactory,
)
from tests.isolation import object_routes

pytestmark = pytest.mark.django_db


def _own_objects(tenant) -> dict:
    """The console's URL kwargs, pointing at objects of the tenant's own Location."""
    lead = LeadFactory(location=tenant.location)
    conflict = ConflictFactory(location=tenant.location, lead=lead, status="approved")
    return {
        "location_id": tenant.location.pk,
        "lead_id": lead.pk,
        "same_day_id": SameDayRequestFactory(location=tenant.location, lead=lead).pk,
        "callback_id": CallbackFactory(conflict=conflict).pk,
        "call_task_id": CallTaskFactory(lead=lead).pk,
    }


def test_every_console_url_is_known_and_agent_only():
    from django.urls import get_resolver

    names = {name for name in get_resolver().reverse_dict if isinstance(name, str) and name.startswith("agent_")}
    assert names == AGENT_URL_NAMES
    routes = object_routes()
    console = [route for route in routes if route.name in AGENT_URL_NAMES]
    assert console and all(route.agent_only for route in console)


@pytest.mark.parametrize("role", ["owner", "manager", "viewer", "brand"])
def test_portal_users_get_403_on_every_agent_url_of_their_own_location(tenant_a, role):
    kwargs = _own_objects(tenant_a)
    client = Client()
    client.force_login(tenant_a.user(role))
    before = (SameDayRequest.objects.filter(status="pending").count(), Callback.objects.filter(status="open").count())
    for name in sorted(AGENT_URL_NAMES):
        route = reverse(name, kwargs=_kwargs_for(name, kwargs))
        for method in ("get", "post"):
            response = getattr(client, method)(route, {"decision": "approve", "outcome": "booked"})
            assert response.status_code == 403, (role, method, route, response.status_code)
    after = (SameDayRequest.objects.filter(status="pending").count(), Callback.objects.filter(status="open").count())
    assert before == after  # nothing was answered or closed


def _kwargs_for(name: str, kwargs: dict) -> dict:
    from django.urls import get_resolver

    possibilities = get_resolver().reverse_dict.getlist(name)
    params = possibilities[0][0][0][1]
    return {param: kwargs[param] for param in params}


def test_anonymous_is_sent_to_login():
    response = Client().get("/agent/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_agent_is_not_staff_and_cannot_open_admin(agent, console):
    assert agent.is_agent and not agent.is_staff
    response = console.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert console.get("/agent/").status_code == 200


def test_staff_may_use_the_console(staff):
    client = Client()
    client.force_login(staff)
    assert client.get("/agent/").status_code == 200


def test_agents_land_on_their_console_and_owners_on_the_dashboard(agent, tenant_a):
    from django.test import Client

    from tests.factories import PASSWORD

    for user, landing in ((agent, "/agent/"), (tenant_a.owner, "/dashboard/")):
        response = Client().post("/accounts/login/", {"username": user.email, "password": PASSWORD})
        assert (response.status_code, response["Location"]) == (302, landing), user
    response = Client().post("/accounts/login/?next=/agent/calls/", {"username": agent.email, "password": PASSWORD})
    assert response["Location"] == "/agent/calls/"  # a `next` still wins


def test_the_console_has_its_own_navigation_and_no_owner_tabs(console, tenant_a):
    from tests.factories import LeadFactory

    lead = LeadFactory(location=tenant_a.location, first_name="Ada", last_name="Byron")
    html = console.get(f"/agent/leads/{lead.pk}/").content.decode()
    nav = html[
        html.index('aria-label="Agent console"') : html.index("</nav>", html.index('aria-label="Agent console"'))
    ]
    for tab in (">Find<", ">Callbacks<", ">Calls<", "Lead: Ada Byron"):
        assert tab in nav
    assert 'aria-label="Main"' not in html and ">Dashboard" not in html and "location-switcher" not in html
    assert 'aria-current="page" data-testid="current-lead"' in nav  # the current lead is highlighted
