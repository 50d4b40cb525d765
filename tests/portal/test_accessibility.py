"""axe-core on every portal page (Playwright + Debian Chromium), as an owner and as an agent, at
375 and 1280 px: no serious or critical violation.

The pages come from the URL resolver, like the CSP walk: every GET route without a parameter,
and every route whose parameters name an object (`<lead_id>`, `<appointment_id>`, ...) filled
with a real object of the tenant, so detail pages render with content. One browser; one page
per (user, width), reused for every URL.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from notifications.models import Notification
from tests.factories import (
    AppointmentFactory,
    AvailabilityWindowFactory,
    CallTaskFactory,
    ConflictFactory,
    LeadFactory,
    OfficeMessageFactory,
    SameDayRequestFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
RUN_AXE = (
    "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    ".filter(v => ['serious', 'critical'].includes(v.impact))"
    ".map(v => v.id + ' (' + v.help + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))"
)
# Not portal pages (admin, API, webhooks), actions, and signed links a test cannot mint from a route.
SKIPPED = (
    "admin/", "api/", "webhooks/", "accounts/logout/", "switch-location/", "healthz/", "n/", "answer/", "got-it/",
)  # fmt: skip
LONG_ADDRESS = "front-desk.notifications@brightsmile-orthodontics.example.com"
_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def routes(objects: dict[str, int]) -> list[str]:
    """Every route of the resolver outside SKIPPED, parameters filled from `objects`; a route
    with a parameter no object names (a token, a secret) is left out."""
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and not route.startswith(SKIPPED) and "(?P<" not in route:
                names = _PARAM.findall(route)
                if all(name in objects for name in names):
                    found.append("/" + _PARAM.sub(lambda m: str(objects[m.group(1)]), route))

    walk(get_resolver().url_patterns, "")
    return [url for url in found if "." not in url.rsplit("/", 1)[-1]]


def html_pages(user, urls: list[str]) -> list[str]:
    """The URLs that answer this user a 200 HTML page on GET (POST-only actions, another
    role's pages and CSV exports are not pages)."""
    client = Client()
    client.force_login(user)
    pages = []
    for url in urls:
        response = client.get(url)
        # A fragment an HTMX control fetches (a duplicate check) is part of its page, not a page.
        if response.status_code == 200 and b"<html" in response.content:
            pages.append(url)
    return pages


@pytest.fixture
def world(tenant_a, agent):
    """Something on every page: availability, an appointment, a conflict, a same-day request,
    an urgent office message, a call task — and every detail page's object."""
    location = tenant_a.location
    location.meeting_types = ["office", "phone"]
    location.save()
    for weekday in range(7):
        window = AvailabilityWindowFactory(location=location, weekday=weekday)
    now = timezone.now()
    lead = LeadFactory(location=location, first_name="Maria", last_name="Lopez", phone="+12125550111")
    appointment = AppointmentFactory(
        location=location, lead=lead, start=now + dt.timedelta(days=2), end=now + dt.timedelta(days=2, hours=1)
    )
    conflict = ConflictFactory(location=location, lead=LeadFactory(location=location, first_name="James"))
    same_day = SameDayRequestFactory(location=location)
    message = OfficeMessageFactory(location=location, urgent=True)
    call_task = CallTaskFactory(lead=lead)
    # A failed text to the lead: the lead page's deliveries table and the Action Center's failures.
    Notification.objects.create(
        location=location, kind="client_confirmation", channel="sms", recipient=lead.phone, body="See you Friday.",
        idempotency_key="a11y-delivery", subject_type=ContentType.objects.get_for_model(lead), subject_id=lead.pk,
        status="failed", last_error="21211 invalid number",
    )  # fmt: skip
    # A long address does not wrap: at 375 px the deliveries table is wider than the screen.
    Notification.objects.create(
        location=location, kind="booking", channel="email", recipient=LONG_ADDRESS,
        body="Booked.", idempotency_key="a11y-email", subject_type=ContentType.objects.get_for_model(lead),
        subject_id=lead.pk, status="sent",
    )  # fmt: skip
    objects = {
        "location_id": location.pk,
        "lead_id": lead.pk,
        "appointment_id": appointment.pk,
        "conflict_id": conflict.pk,
        "same_day_id": same_day.pk,
        "message_id": message.pk,
        "window_id": window.pk,
        "call_task_id": call_task.pk,
    }
    return tenant_a, objects


def session_cookie(base: str, user) -> list[dict]:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return [{"name": name, "value": client.cookies[name].value, "url": base}]


def axe_walk(browser, base: str, user, pages: list[str]) -> list:
    """The serious and critical violations of each page at each width (empty when clean)."""
    found = []
    for width in (375, 1280):
        # bypass_csp lets the test inject axe-core; the pages' own CSP is tested in test_csp_browser.
        context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 800})
        context.add_cookies(session_cookie(base, user))
        page = context.new_page()
        for url in pages:
            page.goto(base + url)
            page.add_script_tag(path=str(AXE))
            violations = page.evaluate(RUN_AXE)
            if violations:
                found.append((width, url, violations))
        context.close()
    return found


def test_every_owner_page_has_no_serious_axe_violation_at_375_and_1280(browser, live_server, world):
    tenant, objects = world
    pages = html_pages(tenant.owner, routes(objects)) + ["/calendar/?view=month", "/calendar/?view=week"]
    details = (
        "leads/{lead_id}/", "messages/{message_id}/", "calendar/appointments/{appointment_id}/",
        "conflicts/{conflict_id}/", "same-day/{same_day_id}/", "settings/{location_id}/", "activity/{location_id}/",
    )  # fmt: skip
    for expected in ("dashboard/", "calendar/", "leads/", "messages/", "reports/", "routing/", *details):
        assert "/" + expected.format(**objects) in pages, expected
    violations = axe_walk(browser, live_server.url, tenant.owner, pages)
    assert violations == [], "\n".join(map(str, violations))


def test_the_lead_pages_deliveries_table_scrolls_from_the_keyboard(browser, live_server, world):
    """At 375 px the deliveries table is wider than the screen: Tab reaches its region (named
    "Deliveries") and the arrow keys scroll it."""
    tenant, objects = world
    context = browser.new_context(viewport={"width": 375, "height": 800})
    context.add_cookies(session_cookie(live_server.url, tenant.owner))
    page = context.new_page()
    page.goto(f"{live_server.url}/leads/{objects['lead_id']}/")
    region = page.get_by_role("region", name="Deliveries")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")
    for _ in range(200):  # Tab through the page until the region has the focus
        page.keyboard.press("Tab")
        if region.evaluate("el => el === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the deliveries table")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.activeElement.scrollLeft > 0")
    context.close()


def test_every_agent_page_has_no_serious_axe_violation_at_375_and_1280(browser, live_server, world, agent):
    _, objects = world
    pages = html_pages(agent, routes(objects))
    for expected in ("/agent/", "/agent/callbacks/", "/agent/calls/", f"/agent/leads/{objects['lead_id']}/",
                     f"/agent/locations/{objects['location_id']}/"):  # fmt: skip
        assert expected in pages, expected
    violations = axe_walk(browser, live_server.url, agent, pages)
    assert violations == [], "\n".join(map(str, violations))
