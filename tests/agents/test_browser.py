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
    page.wait_for_selector("[data-testid=routing-action][data-action=book]")

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
    page.get_by_role("button", name="Show slots").click()
    page.get_by_role("link", name=f"{tuesday:%A, %B} {tuesday.day}, 10:00 AM, in the office").click()
    assert page.locator("#book_address").input_value() == "1 Main Street, Brooklyn NY"
    page.get_by_role("button", name="Confirm the booking").click()
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
    page.wait_for_selector("[data-testid=routing-action][data-action=transfer]")
    first = page.locator("[data-testid=routing-steps] li").nth(0)
    assert first.inner_text().startswith("Call Back office (212) 555-")
    assert first.locator("a").get_attribute("href") == f"tel:{location.back_office}"
    assert "Mobile" in page.locator("[data-testid=routing-steps]").inner_text()
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
    assert page.locator("[data-testid=routing-action]").get_attribute("data-action") == "transfer"
    assert page.locator("[data-testid=routing-action]").inner_text() == "Transfer the call"


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
    page.get_by_role("link", name="Client wants another time or place").first.click()
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
    owner.locator(f"#summary-conflict-{conflict.pk}").click()  # the Action Center's line opens in place
    assert "Sam Weekend" in item.inner_text() and "Only free on Saturdays." in item.inner_text()


def console_pages(bookable, lead):
    """Every console page, with each panel of the workspace open (the walk of the axe check)."""
    workspace = f"/agent/leads/{lead.pk}/"
    thursday = upcoming(bookable, 3)
    return (
        "/agent/",
        "/agent/?q=Location",
        f"/agent/locations/{bookable.pk}/",
        f"/agent/locations/{bookable.pk}/?at=2030-03-04T10:30&caller_type=existing_customer&needed_within_24h=on",
        f"/agent/locations/{bookable.pk}/leads/new/",
        f"/agent/locations/{bookable.pk}/messages/new/",
        workspace,
        f"{workspace}?slot={thursday.isoformat()}T10:00&type=office",
        f"{workspace}?open=conflict",
        f"{workspace}?open=same_day",
        f"{workspace}?open=message",
        "/agent/callbacks/",
        "/agent/calls/",
    )


def test_console_pages_pass_axe(browser, live_server, agent, tenant_a, bookable):
    """axe-core on every console page (serious and critical violations), at 375 and 1280 px."""
    import pathlib

    from tests.factories import CallbackFactory, CallTaskFactory, ConflictFactory, SameDayRequestFactory

    lead = Lead.objects.create(brand=bookable.brand, location=bookable, first_name="Ada", phone="+13475550142")
    calling = Lead.objects.create(brand=bookable.brand, location=bookable, first_name="Sam", phone="+13475550177")
    SameDayRequestFactory(location=bookable, lead=calling)  # pending: "calling the owner…"
    CallbackFactory(conflict=ConflictFactory(location=bookable, lead=lead, status="approved", owner_notes="Side door."))
    CallTaskFactory(lead=lead)
    axe = pathlib.Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"
    for width in (375, 1280):
        context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 800})
        context.add_cookies(_session_cookie(live_server, agent))
        page = context.new_page()
        for path in (*console_pages(bookable, lead), f"/agent/leads/{calling.pk}/"):
            page.goto(live_server.url + path)
            page.add_script_tag(path=str(axe))
            violations = page.evaluate(
                "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                ".filter(v => ['serious', 'critical'].includes(v.impact))"
                ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
            )
            assert violations == [], (width, path, violations)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (width, path)
        context.close()


def test_keyboard_shortcuts(clock, browser, live_server, agent, tenant_a):
    """/ focuses the finder, j/k move through the slots, Enter opens the confirmation, Esc
    closes it, ? lists the shortcuts — from a static file (the CSP allows no inline script)."""
    week_of_windows(tenant_a.location, weekdays=range(5))
    lead = Lead.objects.create(brand=tenant_a.brand, location=tenant_a.location, first_name="Ada", phone="+13475550142")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_cookies(_session_cookie(live_server, agent))
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server.url}/agent/leads/{lead.pk}/")
    label = "document.activeElement.getAttribute('aria-label')"
    assert page.evaluate(label) == "Thursday, March 7, 12:00 PM, in the office"  # the first free slot
    page.keyboard.press("j")
    assert page.evaluate(label) == "Thursday, March 7, 1:00 PM, in the office"
    page.keyboard.press("k")
    page.keyboard.press("k")
    assert page.evaluate(label).startswith("Thursday, March 7, 11:00 AM, in the office: within 24 hours")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=confirm]")
    page.keyboard.press("Escape")
    page.wait_for_url(f"{live_server.url}/agent/leads/{lead.pk}/")
    assert page.locator("[data-testid=confirm]").count() == 0
    page.keyboard.press("?")
    assert page.locator("#shortcuts").is_visible()
    assert "Next / previous slot" in page.locator("#shortcuts").inner_text()
    page.keyboard.press("Escape")
    assert not page.locator("#shortcuts").is_visible()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "finder"
    page.keyboard.type("(212) 555")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/agent/\?q="))
    assert errors == []
