"""Browser proofs of the triage Action Center (issue #11), Playwright on Debian's Chromium (the
one `browser` fixture of tests/conftest.py): at 375 px the first same-day request is in the
first screen; an answer in place moves the focus to the next line and updates every counter,
the nav badge and the tab title with no reload; axe-core finds nothing serious with every line
open, at 375 and 1280 px."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from playwright.sync_api import expect

from notifications.models import Notification
from tests.factories import ConflictFactory, LeadFactory, OfficeMessageFactory, SameDayRequestFactory
from tests.portal.test_accessibility import AXE as AXE_SCRIPT
from tests.portal.test_accessibility import RUN_AXE, session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def busy_location(tenant_a):
    """A morning's Action Center: three conflicts and two urgent messages that arrived before the
    same-day request, a failed text, and the same-day request itself (created last)."""
    location = tenant_a.location
    now = timezone.now()
    for hours in (30, 20, 10):
        ConflictFactory(location=location, created_at=now - dt.timedelta(hours=hours), caller_notes="x " * 200)
    for name in ("Una Urgent", "Otto Urgent"):
        OfficeMessageFactory(location=location, urgent=True, caller_name=name, body="Please call. " * 20)
    lead = LeadFactory(location=location)
    Notification.objects.create(
        location=location, kind="client_confirmation", channel="sms", recipient="+12125550111", body="See you.",
        idempotency_key="triage-browser-failed", status="failed", last_error="21211 invalid number",
        subject_type=ContentType.objects.get_for_model(lead), subject_id=lead.pk,
    )  # fmt: skip
    same_day = SameDayRequestFactory(
        location=location, lead=LeadFactory(location=location, first_name="Sam", last_name="Soon")
    )
    return tenant_a, same_day


def owner_page(browser, base, tenant, width, height=667):
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_cookies(session_cookie(base, tenant.owner))
    page = context.new_page()
    page.goto(f"{base}/dashboard/")
    return context, page


def test_at_375px_the_first_same_day_request_is_in_the_first_screen(browser, live_server, busy_location):
    tenant, same_day = busy_location
    context, page = owner_page(browser, live_server.url, tenant, 375)
    first_line = page.locator("[data-line]").first
    assert first_line.get_attribute("id") == f"line-same_day-{same_day.pk}"
    box = page.locator(f"#summary-same_day-{same_day.pk}").bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 667, box
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
    context.close()


def test_an_answer_in_place_moves_the_focus_on_and_updates_every_counter(
    browser, live_server, busy_location, settings
):
    settings.LIVE_POLL_SECONDS = 60  # nothing but the answer itself reads the pulse again
    tenant, same_day = busy_location
    context, page = owner_page(browser, live_server.url, tenant, 1280, 900)
    page.evaluate("window.__marker = 'still here'")
    expect(page).to_have_title(re.compile(r"^\(6\) Dashboard"))  # 1 same-day + 2 urgent + 3 conflicts
    expect(page.locator("#count-same-day")).to_have_text("1")

    summary = page.locator(f"#summary-same_day-{same_day.pk}")
    summary.focus()
    page.keyboard.press("Enter")  # the line opens in place
    line = page.locator(f"#item-same_day-{same_day.pk}")
    line.get_by_role("button", name="Decline").click()
    page.wait_for_selector(f"#answer-same_day-{same_day.pk}.answered")

    next_line = page.locator("[data-line]").nth(1).locator("summary")
    expect(next_line).to_be_focused()  # the next line, an urgent message
    assert next_line.get_attribute("id").startswith("summary-urgent_message-")
    expect(page.locator("#count-same-day")).to_have_text("0")
    expect(page.locator("#ac-total")).to_have_text("5")
    expect(page.locator(".nav-badge[data-live-count=action_center]")).to_have_text("5")
    expect(page).to_have_title(re.compile(r"^\(5\) Dashboard"))
    expect(line).to_contain_text("Declined")  # the answered line stays, showing its answer

    # Keyboard only: open the urgent line, dismissing nothing — the failed delivery is last.
    failed = page.locator("[data-line]").last
    failed.locator("summary").click()
    failed.get_by_role("button", name="Dismiss").click()
    expect(failed).to_contain_text("Dismissed")
    expect(page.locator("#count-failed")).to_have_text("0")
    expect(page.locator("#ac-heading")).to_be_focused()  # no line after the last one
    assert page.evaluate("window.__marker") == "still here"  # no reload happened
    context.close()


def test_axe_finds_nothing_serious_with_every_line_open(browser, live_server, busy_location):
    tenant, _ = busy_location
    found = []
    for width in (375, 1280):
        context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 800})
        context.add_cookies(session_cookie(live_server.url, tenant.owner))
        page = context.new_page()
        page.goto(f"{live_server.url}/dashboard/")
        page.evaluate("document.querySelectorAll('[data-line] > details').forEach(d => { d.open = true; })")
        page.add_script_tag(path=str(AXE_SCRIPT))
        violations = page.evaluate(RUN_AXE)
        if violations:
            found.append((width, violations))
        context.close()
    assert found == [], found
