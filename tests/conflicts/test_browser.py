"""Browser tests (Playwright + Debian Chromium): the Action Center answers in place, a link
answers with one tap at 375 px, axe-core finds no serious violation on the dashboard."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conflicts import links
from conflicts.models import Conflict
from tests.browser_support import sign_in
from tests.factories import ConflictFactory, LeadFactory, SameDayRequestFactory

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def demo_like(tenant):
    now = timezone.now()
    first = ConflictFactory(
        location=tenant.location, lead=LeadFactory(location=tenant.location, first_name="Maria", last_name="Lopez"),
        created_at=now - dt.timedelta(hours=3),
    )  # fmt: skip
    second = ConflictFactory(
        location=tenant.location,
        kind="location",
        lead=LeadFactory(location=tenant.location, first_name="James", last_name="Okafor"),
        created_at=now - dt.timedelta(hours=1),
    )  # fmt: skip
    SameDayRequestFactory(location=tenant.location)
    return first, second


def test_owner_answers_in_the_action_center_without_a_reload(browser, live_server, tenant_a):
    first, second = demo_like(tenant_a)
    page = browser.new_page()
    sign_in(page, live_server.url, tenant_a.owner)
    page.evaluate("window.__marker = 'still here'")
    assert page.inner_text("#ac-total") == "3"

    row = page.locator(f"#item-conflict-{first.pk}")
    page.locator(f"#summary-conflict-{first.pk}").click()  # a triage line opens in place
    row.locator("textarea[name=notes]").first.fill("Book it, I will move my 7 pm")
    row.get_by_role("button", name="Approve").click()
    page.wait_for_selector(f"#answer-conflict-{first.pk}.answered")
    expect(page.locator("#ac-total")).to_have_text("2")  # read again from the live pulse
    assert page.inner_text("#count-conflicts") == "1"
    assert page.inner_text("#count-answered") == "1"

    row = page.locator(f"#item-conflict-{second.pk}")
    page.locator(f"#summary-conflict-{second.pk}").click()
    row.locator("details.alternate summary").click()
    day = (timezone.now() + dt.timedelta(days=6)).astimezone(tenant_a.location.zone).date()
    row.locator("input[name=alternate_date]").fill(day.isoformat())
    row.locator("input[name=alternate_time]").fill("10:30")
    row.locator("select[name=alternate_meeting_type]").select_option("phone")
    row.get_by_role("button", name="Suggest alternate").click()
    # Location A has no availability: the typed time is not free, so the owner confirms it.
    row.get_by_label("Suggest it anyway").check()
    assert "is not a free time in your calendar" in row.inner_text()
    row.get_by_role("button", name="Suggest alternate").click()
    page.wait_for_selector(f"#answer-conflict-{second.pk}.answered")
    assert "Alternate suggested" in page.inner_text(f"#item-conflict-{second.pk}")
    expect(page.locator("#ac-total")).to_have_text("1")
    assert page.inner_text("#count-conflicts") == "0"
    assert page.evaluate("window.__marker") == "still here"  # no reload happened

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.response_channel, first.owner_notes) == (
        "approved",
        "action_center",
        "Book it, I will move my 7 pm",
    )
    local = second.alternate_start.astimezone(tenant_a.location.zone)
    assert (second.status, local.date(), local.hour, local.minute, second.alternate_meeting_type) == (
        "alternate_suggested", day, 10, 30, "phone",
    )  # fmt: skip


def test_a_refused_answer_shows_its_reason_in_place(browser, live_server, tenant_a):
    first, _ = demo_like(tenant_a)
    page = browser.new_page()
    sign_in(page, live_server.url, tenant_a.owner)
    Conflict.objects.filter(pk=first.pk).update(
        status="declined", decision="decline", responded_at=timezone.now(), response_channel="email_reply"
    )
    page.locator(f"#summary-conflict-{first.pk}").click()
    page.locator(f"#item-conflict-{first.pk}").get_by_role("button", name="Approve").click()
    page.wait_for_selector(f"#answer-conflict-{first.pk} .error")
    assert "Already answered: it was declined" in page.inner_text(f"#answer-conflict-{first.pk}")


def test_one_tap_decline_from_a_link_at_375px(browser, live_server, tenant_a):
    conflict = ConflictFactory(location=tenant_a.location)
    token = links.answer_token(kind="conflict", object_id=conflict.pk, decision="decline", channel="sms_link")
    page = browser.new_page(viewport={"width": 375, "height": 740})
    page.goto(f"{live_server.url}/answer/{token}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("button", name="Decline").click()
    page.wait_for_selector("text=Thank you")
    conflict.refresh_from_db()
    assert conflict.status == "declined" and conflict.response_channel == "sms_link"
    page.goto(f"{live_server.url}/answer/{token}/")
    assert "already" in page.inner_text("main").lower()


def test_dashboard_has_no_serious_accessibility_violations(browser, live_server, tenant_a):
    demo_like(tenant_a)
    page = browser.new_page(bypass_csp=True)  # lets the test inject axe-core; the page's own CSP is tested elsewhere
    sign_in(page, live_server.url, tenant_a.owner)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    serious = [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


def test_owner_answers_a_red_conflict_on_the_calendar_tab(browser, live_server, tenant_a):
    conflict = ConflictFactory(location=tenant_a.location)
    day = conflict.requested_start.astimezone(tenant_a.location.zone).date()
    page = browser.new_page()
    sign_in(page, live_server.url, tenant_a.owner)
    page.goto(f"{live_server.url}/calendar/?view=week&date={day.isoformat()}")
    page.evaluate("window.__marker = 'calendar'")
    box = page.locator(f"#answer-conflict-{conflict.pk}")
    box.get_by_role("button", name="Decline").click()
    page.wait_for_selector(f"#answer-conflict-{conflict.pk}.answered")
    assert page.evaluate("window.__marker") == "calendar"
    conflict.refresh_from_db()
    assert conflict.status == "declined" and conflict.response_channel == "calendar"


def test_an_answer_on_the_calendar_turns_its_card_and_the_banner_from_red(browser, live_server, tenant_a):
    """Issue #11 "fix what breaks trust": after an in-place answer the week's banner counts again
    (no reload) and the card is no longer red."""
    conflict = ConflictFactory(location=tenant_a.location)
    day = conflict.requested_start.astimezone(tenant_a.location.zone).date()
    page = browser.new_page()
    sign_in(page, live_server.url, tenant_a.owner)
    page.goto(f"{live_server.url}/calendar/?view=week&date={day.isoformat()}")
    page.evaluate("window.__marker = 'calendar'")
    assert "1 request waiting" in page.inner_text("#cal-pending-banner")
    card = page.locator(f"#cal-conflict-{conflict.pk}")
    red = card.evaluate("el => getComputedStyle(el).backgroundColor")
    card.get_by_role("button", name="Approve").click()
    page.wait_for_selector(f"#answer-conflict-{conflict.pk}.answered")
    page.wait_for_selector("#cal-pending-banner .banner", state="detached")
    assert page.inner_text("#cal-pending-banner").strip() == ""
    assert card.evaluate("el => getComputedStyle(el).backgroundColor") != red
    assert page.evaluate("window.__marker") == "calendar"


def test_a_refused_alternate_on_the_calendar_is_corrected_in_place(browser, live_server, tenant_a):
    """Issue #16 item 4: after a 400 the box is still live — the typed values are there, the
    corrected answer goes by HTMX (no reload) and is recorded with channel `calendar`."""
    conflict = ConflictFactory(location=tenant_a.location)
    zone = tenant_a.location.zone
    day = conflict.requested_start.astimezone(zone).date()
    page = browser.new_page()
    sign_in(page, live_server.url, tenant_a.owner)
    page.goto(f"{live_server.url}/calendar/?view=week&date={day.isoformat()}")
    page.evaluate("window.__marker = 'calendar'")
    box = page.locator(f"#answer-conflict-{conflict.pk}")
    box.locator("summary").click()
    box.locator("input[name=alternate_date]").fill("2020-01-06")
    box.locator("input[name=alternate_time]").fill("10:30")
    box.locator("textarea[name=notes]").last.fill("Mornings suit me")
    box.get_by_role("button", name="Suggest alternate").click()
    page.wait_for_selector(f"#answer-conflict-{conflict.pk} .error")
    assert "must be in the future" in box.inner_text()
    assert box.locator("input[name=alternate_time]").input_value() == "10:30"
    assert box.locator("textarea[name=notes]").last.input_value() == "Mornings suit me"

    later = day + dt.timedelta(days=1)
    box.locator("input[name=alternate_date]").fill(later.isoformat())
    box.get_by_label("Suggest it anyway").check()  # no availability here: a typed time is confirmed
    box.get_by_role("button", name="Suggest alternate").click()
    page.wait_for_selector(f"#answer-conflict-{conflict.pk}.answered")
    assert page.evaluate("window.__marker") == "calendar"  # answered in place, no full-page POST
    conflict.refresh_from_db()
    local = conflict.alternate_start.astimezone(zone)
    assert (conflict.status, conflict.response_channel, local.date(), local.hour, local.minute) == (
        "alternate_suggested", "calendar", later, 10, 30,
    )  # fmt: skip
    assert conflict.owner_notes == "Mornings suit me"
