"""Browser test (Playwright, Debian Chromium) of the alternate picker at phone width: open
"Suggest an alternate", tap a free time, and the conflict is answered with that time held."""

from __future__ import annotations

import pytest

from calendars.models import Appointment
from conflicts.models import Conflict
from tests.browser_support import sign_in
from tests.factories import ConflictFactory
from tests.support_calendars import week_of_windows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_alternate_picker_books_a_tapped_free_time(browser, live_server, tenant_a):
    week_of_windows(tenant_a.location)  # every day 09:00–17:00: three days ahead has free hours
    conflict = ConflictFactory(location=tenant_a.location)
    page = browser.new_page(viewport={"width": 375, "height": 740})
    sign_in(page, live_server.url, tenant_a.owner)
    page.goto(f"{live_server.url}/conflicts/{conflict.pk}/")
    box = page.locator(f"#answer-conflict-{conflict.pk}")
    box.locator("details.alternate > summary").click()
    first = box.locator(".slot-choices button.slot").first
    first.wait_for()
    label = first.get_attribute("aria-label")  # "Suggest Friday, March 8 at 9:00 AM"
    value = first.get_attribute("value")
    assert label.startswith("Suggest ") and " at 9:00 AM" in label
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    first.click()
    page.locator(f"#answer-conflict-{conflict.pk}").get_by_text("Alternate suggested").first.wait_for()

    conflict.refresh_from_db()
    local = conflict.alternate_start.astimezone(tenant_a.location.zone)
    assert conflict.status == Conflict.Status.ALTERNATE_SUGGESTED
    assert local.strftime("%Y-%m-%dT%H:%M") == value
    assert Appointment.objects.get(conflict=conflict, status="held").start == conflict.alternate_start
