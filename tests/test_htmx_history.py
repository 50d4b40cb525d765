"""HTMX history (#9 item 12): Back after `hx-push-url` navigations sends a history-restore
request (HX-Request and HX-History-Restore-Request); it must get the full page, not the partial
— on every page, decided in one place (pronexis.htmx). Every response whose choice read
HX-Request says `Vary: HX-Request`."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.browser_support import sign_in
from tests.factories import LeadFactory
from tests.test_security import _portal_pages

PARTIAL = {"HTTP_HX_REQUEST": "true"}
HISTORY_RESTORE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}
BOOSTED = {"HTTP_HX_REQUEST": "true", "HTTP_HX_BOOSTED": "true"}


def _is_page(response) -> bool:
    return "<html" in response.content.decode()


def _pages(user, extra: list[str]) -> list[tuple[Client, str]]:
    client = Client()
    client.force_login(user)
    return [(client, url) for url in ["/" + route for route in _portal_pages()] + extra]


@pytest.fixture
def pages_with_partials(tenant_a, agent):
    """Every parameterless page as an owner and as an agent, plus the hx-push-url navigations
    the issue names (calendar week/month, the routing simulator, the agent's search and card)."""
    location = tenant_a.location
    LeadFactory(location=location, last_name="Smith")
    owner_extra = [
        "/calendar/?view=week&date=2030-03-11",
        "/calendar/?view=month&date=2030-04-01",
        f"/routing/?location={location.pk}&day=2030-03-06&time=12:00&caller_type=lead",
        "/messages/?cursor=x",
        "/leads/?status=in_process&q=Smith",
    ]
    agent_extra = [
        f"/agent/?q={location.name}",
        "/agent/?q=11201",
        f"/agent/locations/{location.pk}/?at=2030-03-06T12:00&caller_type=lead",
        f"/agent/locations/{location.pk}/?lead_q=Smith",
    ]
    return _pages(tenant_a.owner, owner_extra) + _pages(agent, agent_extra)


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [HISTORY_RESTORE, BOOSTED], ids=["history-restore", "boosted"])
def test_history_restore_and_boosted_requests_get_the_full_page_everywhere(pages_with_partials, headers):
    checked = 0
    for client, url in pages_with_partials:
        page = client.get(url)
        if page.status_code != 200 or not _is_page(page):
            continue
        restored = client.get(url, **headers, HTTP_HX_CURRENT_URL="http://testserver" + url)
        assert restored.status_code == 200, url
        assert _is_page(restored), f"{url}: a {headers} request got the partial"
        checked += 1
    assert checked >= 20, checked


@pytest.mark.django_db
def test_a_plain_htmx_request_still_gets_the_partial(tenant_a):
    client = Client()
    client.force_login(tenant_a.owner)
    assert not _is_page(client.get("/calendar/?view=month", **PARTIAL))
    assert _is_page(client.get("/calendar/?view=month"))


@pytest.mark.django_db
def test_every_response_that_varies_on_hx_request_says_so(pages_with_partials):
    varying = 0
    for client, url in pages_with_partials:
        page, partial = client.get(url), client.get(url, **PARTIAL, HTTP_HX_TARGET="routing")
        if page.status_code != 200 or _is_page(page) == _is_page(partial):
            continue
        varying += 1
        for response in (page, partial):
            assert "HX-Request" in response.get("Vary", ""), url
    assert varying >= 8, varying


@pytest.mark.django_db
def test_a_partial_chosen_by_target_varies_on_hx_target(tenant_a, agent):
    client = Client()
    client.force_login(agent)
    url = f"/agent/locations/{tenant_a.location.pk}/?at=2030-03-06T12:00&caller_type=lead"
    routing = client.get(url, **PARTIAL, HTTP_HX_TARGET="routing")
    assert not _is_page(routing)
    assert {"HX-Request", "HX-Target"} <= {h.strip() for h in routing["Vary"].split(",")}


@pytest.mark.django_db
def test_htmx_error_fragments_vary_on_hx_request_too(tenant_a):
    client = Client()
    client.force_login(tenant_a.owner)
    fragment, page = client.get("/leads/999999999/", **PARTIAL), client.get("/leads/999999999/")
    assert fragment.status_code == page.status_code == 404
    assert not _is_page(fragment) and _is_page(page)
    assert "HX-Request" in fragment["Vary"] and "HX-Request" in page["Vary"]
    restored = client.get("/leads/999999999/", **HISTORY_RESTORE)
    assert _is_page(restored)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_back_after_two_htmx_navigations_restores_the_whole_page(browser, live_server, tenant_a):
    """The issue's reproduction in Chromium: two hx-push-url navigations on /calendar/, then Back
    twice — the header, nav and Location switcher are still there."""

    page = browser.new_page(viewport={"width": 1024, "height": 800})
    sign_in(page, live_server.url, tenant_a.owner)
    page.goto(f"{live_server.url}/calendar/?view=week&date=2030-03-04")
    for expected in ("2030-03-11", "2030-03-18"):
        page.click("a[rel=next]")
        page.wait_for_url(f"**date={expected}")
    for expected in ("2030-03-11", "2030-03-04"):
        with page.expect_response(lambda response: "/calendar/" in response.url):
            page.go_back()
        page.wait_for_url(f"**date={expected}")
        assert page.locator("header.topbar").count() == 1, expected
        assert page.locator("nav.mainnav").count() == 1 and page.locator("#location-switcher").count() == 1
        assert page.locator("#calendar-body").count() == 1, expected
