"""Browser tests of the shell: a conflict raised through the API shows on an open dashboard
(badge, tab title, Action Center) with no reload; the manifest and service worker are found."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser_support import sign_in
from tests.conftest import token_client
from tests.factories import LeadFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_conflict_shows_on_the_open_dashboard_without_a_reload(browser, live_server, tenant_a, agent, settings):
    settings.LIVE_POLL_SECONDS = 1  # the page polls every second here (15 s in production)
    lead = LeadFactory(location=tenant_a.location, first_name="Nadia", last_name="Rahman")
    page = browser.new_page()
    sign_in(page, live_server.url, tenant_a.owner)
    page.evaluate("window.__marker = 'still here'")
    expect(page.locator("body")).to_have_attribute("data-live-url", "/live/")
    expect(page).to_have_title(re.compile(r"^Dashboard"))
    expect(page.locator(".nav-badge[data-live-count=action_center]")).to_be_hidden()

    start = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)  # Location A has no availability
    response = token_client(agent).post(
        "/api/v1/conflicts/",
        {
            "lead": lead.pk,
            "kind": "schedule",
            "requested_start": start.isoformat(),
            "requested_end": (start + dt.timedelta(hours=1)).isoformat(),
            "requested_meeting_type": "client_home",
            "requested_address": "5 Pine Street",
            "caller_notes": "Only after 6 pm.",
        },
        format="json",
    )
    assert response.status_code == 201, response.content

    expect(page).to_have_title(re.compile(r"^\(1\) Dashboard"), timeout=30_000)
    expect(page.locator(".nav-badge[data-live-count=action_center]")).to_have_text("1")
    expect(page.locator(f"#item-conflict-{response.json()['id']}")).to_be_visible(timeout=30_000)
    assert "Nadia" in page.inner_text("#action-center")
    assert page.inner_text("#ac-total") == "1"
    expect(page).to_have_title(re.compile(r"^\(1\) Dashboard"))  # kept after the Action Center's swap
    assert page.evaluate("window.__marker") == "still here"  # no reload happened


def test_the_manifest_and_service_worker_are_found_and_registered(browser, live_server, tenant_a):
    page = browser.new_page()
    sign_in(page, live_server.url, tenant_a.owner)
    href = page.get_attribute("link[rel=manifest]", "href")
    manifest = page.evaluate("async (href) => (await fetch(href)).json()", href)
    assert manifest["display"] == "standalone"
    scope = page.evaluate("async () => (await navigator.serviceWorker.ready).scope")
    assert scope == f"{live_server.url}/"
    # Offline, a navigation gets the cached offline page instead of the browser's error.
    page.reload()  # the first page was loaded before the worker took control
    assert page.evaluate("() => navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    page.goto(f"{live_server.url}/leads/")
    assert "You are offline" in page.inner_text("main")
    page.context.set_offline(False)
