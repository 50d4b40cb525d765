"""The Content-Security-Policy in a real browser (headless Chromium through Playwright).

The policy has no 'unsafe-eval' and no inline script; under it every portal page of an owner
loads with no `securitypolicyviolation` event and no console error, and HTMX still works: the
calendar's "Next" swaps the week in place (no reload) and the Action Center answers a conflict
in place.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.browser_support import WatchedPage, sign_in
from tests.factories import (
    AppointmentFactory,
    AvailabilityWindowFactory,
    ConflictFactory,
    LeadFactory,
    OfficeMessageFactory,
    SameDayRequestFactory,
)
from tests.test_security import _portal_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



@pytest.fixture
def world(tenant_a):
    """A tenant with something on every page: availability, an appointment, a conflict, a
    same-day request, an office message."""
    location = tenant_a.location
    location.meeting_types = ["office", "phone"]
    location.save()
    now = timezone.now()
    for weekday in range(7):
        AvailabilityWindowFactory(location=location, weekday=weekday)
    lead = LeadFactory(location=location, first_name="Maria", last_name="Lopez", phone="+12125550111")
    appointment = AppointmentFactory(
        location=location, lead=lead, start=now + dt.timedelta(days=2), end=now + dt.timedelta(days=2, hours=1)
    )
    conflict = ConflictFactory(location=location, lead=LeadFactory(location=location, first_name="James"))
    same_day = SameDayRequestFactory(location=location)
    message = OfficeMessageFactory(location=location)
    objects = [
        f"/leads/{lead.pk}/",
        f"/calendar/appointments/{appointment.pk}/",
        f"/conflicts/{conflict.pk}/",
        f"/same-day/{same_day.pk}/",
        f"/messages/{message.pk}/",
        f"/settings/{location.pk}/",
        "/calendar/?view=month",
    ]
    return tenant_a, conflict, objects


class Watched(WatchedPage):
    """A new page whose console errors, page errors and CSP violations are collected."""

    def __init__(self, browser):
        super().__init__(browser.new_page())


def test_every_portal_page_loads_under_the_csp_without_violations(browser, live_server, world):
    tenant, _, objects = world
    watched = Watched(browser)
    sign_in(watched.page, live_server.url, tenant.owner)
    pages = ["/" + route for route in _portal_pages() if not route.startswith(("agent/", "accounts/login/"))]
    assert "/dashboard/" in pages and "/calendar/" in pages and "/leads/" in pages
    # Action endpoints that only take a POST (set up or remove two-factor, ...) are not pages.
    client = Client()
    client.force_login(tenant.owner)
    pages = [url for url in pages if client.get(url).status_code != 405]
    assert "/accounts/2fa/" in pages and "/accounts/2fa/setup/" not in pages
    for url in pages + objects:
        watched.errors.clear()
        response = watched.visit(live_server.url + url)
        assert response.status < 400, f"{url} → {response.status}"
        csp = response.headers.get("content-security-policy", "")
        assert "'unsafe-eval'" not in csp, url
        if "text/html" in response.headers.get("content-type", ""):
            assert csp, f"{url} has no CSP"
            # The login pages and the service worker's offline page run no script.
            assert "htmx" in watched.page.content() or url.startswith(("/accounts/", "/offline/")), f"{url} has no htmx"
        assert watched.problems() == [], f"{url}: {watched.problems()}"


def test_htmx_swaps_the_calendar_week_and_answers_in_place_under_the_csp(browser, live_server, world):
    tenant, conflict, _ = world
    watched = Watched(browser)
    sign_in(watched.page, live_server.url, tenant.owner)

    watched.visit(f"{live_server.url}/calendar/")
    watched.page.evaluate("window.__marker = 'no reload'")
    title = watched.page.inner_text("#calendar-body h2")
    watched.page.click("#calendar-body a[rel=next]")
    watched.page.wait_for_function(
        "title => document.querySelector('#calendar-body h2').innerText !== title", arg=title
    )
    assert watched.page.evaluate("window.__marker") == "no reload"
    assert "date=" in watched.page.url  # hx-push-url

    watched.visit(f"{live_server.url}/dashboard/")
    watched.page.evaluate("window.__marker = 'no reload'")
    row = watched.page.locator(f"#item-conflict-{conflict.pk}")
    watched.page.locator(f"#summary-conflict-{conflict.pk}").click()  # the Action Center's line opens in place
    row.get_by_role("button", name="Approve").click()
    watched.page.wait_for_selector(f"#answer-conflict-{conflict.pk}.answered")
    assert watched.page.evaluate("window.__marker") == "no reload"
    conflict.refresh_from_db()
    assert conflict.status == "approved"
    assert watched.problems() == []
