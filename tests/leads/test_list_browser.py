"""Browser test of the phone-first lists: search as you type narrows the leads list in place
(no reload, the address keeps the search), filters stay folded, rows are compact at 375 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser_support import sign_in
from tests.factories import LeadFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_as_you_type_on_a_phone(browser, live_server, tenant_a):
    LeadFactory(location=tenant_a.location, first_name="Ada", last_name="Lovelace", source="phone")
    LeadFactory(location=tenant_a.location, first_name="Grace", last_name="Hopper")
    page = browser.new_page(viewport={"width": 375, "height": 740})
    sign_in(page, live_server.url, tenant_a.owner)
    page.goto(f"{live_server.url}/leads/")
    page.evaluate("window.__marker = 'still here'")
    expect(page.locator("details.filter-more select[name=source]")).to_be_hidden()  # folded
    expect(page.locator("#lead-results td[data-label=Source]").first).to_be_hidden()  # compact rows
    expect(page.locator("#lead-results a.tel").first).to_be_visible()

    page.locator("#id_q").press_sequentially("lovel", delay=40)  # no Enter, no button
    expect(page.locator("#lead-results tbody tr")).to_have_count(1, timeout=10_000)
    expect(page.locator("#lead-results tbody")).to_contain_text("Ada Lovelace")
    assert page.evaluate("window.__marker") == "still here"  # swapped in place
    assert "q=lovel" in page.url  # shareable, and Back restores it
    expect(page.locator("#id_q")).to_be_focused()  # typing goes on

    page.click("details.filter-more summary")
    page.select_option("select[name=source]", "phone")
    expect(page).to_have_url(re.compile(r"source=phone"))
    expect(page.locator("#lead-results tbody tr")).to_have_count(1)
    expect(page.locator("#lead-results tbody")).to_contain_text("Ada Lovelace")
