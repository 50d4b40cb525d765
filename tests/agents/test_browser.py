"""The agent console in Chromium (Playwright), end to end against live_server.

Time is fixed where it matters: routing uses the card's "at" control (a Monday or a weekday
in business hours, local time), slots and conflicts use explicit dates days ahead; nothing
depends on the hour the suite runs at.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone

from calendars.models import Appointment
from conflicts.models import Conflict
from leads.models import Lead
from tests.factories import PASSWORD, LocationPhoneNumberFactory, week_of_windows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONDAY_10_30 = "2030-03-04T10:30"  # a Monday in business hours (the Location's local time)


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # itself are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield browser
        browser.close()


def login(browser, live_server, user, width=1200):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # JavaScript errors and CSP refusals; a missing favicon is not one.
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and "404" not in msg.text else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name=re.compile("log in|sign in", re.I)).click()
    page.wait_for_load_state()
    page.errors = errors
    return page


def upcoming(location, weekday: int, min_days: int = 3) -> dt.date:
    day = timezone.now().astimezone(location.zone).date() + dt.timedelta(days=min_days)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


@pytest.fixture
def bookable(tenant_a):
    location = tenant_a.location
    LocationPhoneNumberFactory(location=location, number="+17185550190")
    week_of_windows(location, weekdays=range(5))  # Monday–Friday 9:00–17:00
    return location


def open_card_by_number(page, live_server, number: str):
    page.goto(f"{live_server.url}/agent/")
    search = page.locator("#id_q")
    assert search.evaluate("element => element === document.activeElement")  # autofocus
    search.fill(number)
    search.press("Enter")
    page.wait_for_url(re.compile(r"/agent/locations/\d+/"))


def route(page, *, at: str, caller_type: str, tick=()):
    page.fill("#id_at", at)
    page.select_option("#id_caller_type", caller_type)
    for name in tick:
        page.check(f"#id_{name}")
    page.get_by_role("button", name="Show the decision").click()


def test_new_lead_in_business_hours_is_booked_and_the_owner_sees_it(browser, live_server, agent, tenant_a, bookable):
    page = login(browser, live_server, agent)
    open_card_by_number(page, live_server, "(718) 555-0190")
    assert page.get_by_role("heading", name=bookable.name).is_visible()
    assert "America/New_York" in page.content()

    route(page, at=MONDAY_10_30, caller_type="lead")
    page.wait_for_selector("[data-testid=routing-action]:text-is('book')")

    page.fill("#id_first_name", "Ada")
    page.fill("#id_last_name", "Byron")
    page.fill("#id_phone", "347 555 0142")
    page.get_by_role("button", name="Create the lead").click()
    page.wait_for_url(re.compile(r"/agent/leads/\d+/"))
    lead = Lead.objects.get()
    assert lead.status == "in_process" and lead.location == bookable

    tuesday = upcoming(bookable, 1)
    page.fill("#slots_slot_from", tuesday.isoformat())
    page.fill("#slots_slot_days", "1")
    page.get_by_role("button", name="Search slots").click()
    label = f"Book {tuesday:%a %b} {tuesday.day}, 10:00 · office"
    page.get_by_role("button", name=label).click()  # waits for the HTMX search results
    page.wait_for_selector("[data-testid=lead-status]:text-is('Converted')")
    appointment = Appointment.objects.get()
    local_start = appointment.start.astimezone(bookable.zone)
    assert (local_start.date(), local_start.hour, appointment.meeting_type) == (tuesday, 10, "office")
    assert page.errors == []

    owner = login(browser, live_server, tenant_a.owner)
    owner.goto(f"{live_server.url}/leads/{lead.pk}/")
    section = owner.locator("#lead-appointments")
    assert tuesday.strftime("%a %-d %b %Y") in section.inner_text()
    assert "Converted" in owner.content()


def test_existing_customer_within_24_hours_is_transferred_back_office_first(browser, live_server, agent, tenant_a):
    location = tenant_a.location
    page = login(browser, live_server, agent, width=375)
    page.goto(f"{live_server.url}/agent/locations/{location.pk}/")
    route(page, at=MONDAY_10_30, caller_type="existing_customer", tick=["needed_within_24h"])
    page.wait_for_selector("[data-testid=routing-action]:text-is('transfer')")
    steps = page.locator("[data-testid=routing-steps] li")
    assert location.back_office in steps.nth(0).inner_text() and "back_office" in steps.nth(0).inner_text()
    assert "mobile" in page.locator("[data-testid=routing-steps]").inner_text()
    # 375 px: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.errors == []


def test_routing_works_without_javascript(browser, live_server, agent, tenant_a):
    location = tenant_a.location
    context = browser.new_context(java_script_enabled=False)
    context.add_cookies(_session_cookie(live_server, agent))
    page = context.new_page()
    page.goto(f"{live_server.url}/agent/locations/{location.pk}/")
    route(page, at=MONDAY_10_30, caller_type="existing_customer", tick=["needed_within_24h"])
    page.wait_for_url(re.compile(r"needed_within_24h=on"))
    assert page.locator("[data-testid=routing-action]").inner_text() == "transfer"


def _session_cookie(live_server, user):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return [
        {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": live_server.url,
        }
    ]


def test_saturday_request_raises_a_conflict_the_owner_sees_in_the_action_center(
    browser, live_server, agent, tenant_a, bookable
):
    lead = Lead.objects.create(
        brand=bookable.brand, location=bookable, first_name="Sam", last_name="Weekend", phone="+13475550177"
    )
    page = login(browser, live_server, agent)
    page.goto(f"{live_server.url}/agent/leads/{lead.pk}/")
    saturday = upcoming(bookable, 5)
    page.get_by_text("Raise a conflict").click()
    page.select_option("#conflict_kind", "schedule")
    page.fill("#conflict_requested_start", f"{saturday.isoformat()}T10:00")
    page.select_option("#conflict_requested_meeting_type", "client_home")
    page.fill("#conflict_caller_notes", "Only free on Saturdays.")
    page.get_by_role("button", name="Raise the conflict").click()
    page.wait_for_selector("[data-testid=approvals]")
    conflict = Conflict.objects.get()
    assert conflict.status == "pending" and conflict.requested_start.astimezone(bookable.zone).date() == saturday
    assert page.errors == []

    owner = login(browser, live_server, tenant_a.owner)
    owner.goto(f"{live_server.url}/dashboard/")
    item = owner.locator(f"#item-conflict-{conflict.pk}")
    assert item.is_visible()
    assert "Sam Weekend" in item.inner_text() and "Only free on Saturdays." in item.inner_text()


def test_console_pages_pass_axe(browser, live_server, agent, tenant_a, bookable):
    """axe-core on the console's pages (serious and critical violations)."""
    import pathlib

    from tests.factories import CallbackFactory, CallTaskFactory, ConflictFactory

    lead = Lead.objects.create(brand=bookable.brand, location=bookable, first_name="Ada", phone="+13475550142")
    CallbackFactory(conflict=ConflictFactory(location=bookable, lead=lead, status="approved", owner_notes="Side door."))
    CallTaskFactory(lead=lead)
    axe = pathlib.Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"
    context = browser.new_context(bypass_csp=True, viewport={"width": 375, "height": 800})
    context.add_cookies(_session_cookie(live_server, agent))
    page = context.new_page()
    for path in (
        "/agent/?q=Location",
        f"/agent/locations/{bookable.pk}/",
        f"/agent/leads/{lead.pk}/",
        f"/agent/locations/{bookable.pk}/messages/new/",
        "/agent/callbacks/",
        "/agent/calls/",
    ):
        page.goto(live_server.url + path)
        page.add_script_tag(path=str(axe))
        violations = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".filter(v => ['serious', 'critical'].includes(v.impact))"
            ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
        )
        assert violations == [], (path, violations)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
