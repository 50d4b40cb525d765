"""Staff admin in a real browser (headless Chromium through Playwright), issue #17 "Done means":
a Location created with the domain widgets at 1280 px; an area import of 200 rows with 3 bad
ones (the preview lists them and nothing is written), fixed and imported, exported and
imported again unchanged; the operations overview showing a conflict raised here and its
age; axe-core with no serious or critical violation on the admin pages staff use most; and no
Content-Security-Policy violation or console error on any page visited."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken, Area, AreaPostalCode, Location
from tests.browser_support import WatchedPage
from tests.conftest import verified_login
from tests.factories import AreaFactory, BrandFactory, ConflictFactory, LeadFactory, LocationFactory, ServiceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORT = {"width": 1280, "height": 900}



def _staff_cookies(live_server, staff) -> list[dict]:
    """The session of a staff member who passed the two-factor step (admin requires it)."""
    client = Client()
    verified_login(client, staff)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return [{"name": settings.SESSION_COOKIE_NAME, "value": value, "url": live_server.url}]


class StaffBrowser(WatchedPage):
    """A staff member's pages under the real CSP; console errors, failed responses and CSP
    violations are collected on every page."""

    def __init__(self, browser, live_server, staff, **context_options):
        self.base = live_server.url
        self.context = browser.new_context(viewport=VIEWPORT, **context_options)
        self.context.add_cookies(_staff_cookies(live_server, staff))
        # The import preview with rows to fix answers 400 on purpose (a form with errors).
        super().__init__(self.context.new_page(), expected=("/admin/accounts/area/import/",))

    def visit(self, path: str):
        response = super().visit(self.base + path)
        assert response.status < 400, f"{path} → {response.status}"
        return response


def _axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )


def test_staff_create_a_location_with_the_domain_widgets(browser, live_server, staff):
    brand = BrandFactory(name="Summit Home Care")
    ServiceFactory(brand=brand, name="Companion care")
    admin = StaffBrowser(browser, live_server, staff)
    page = admin.page
    admin.visit("/admin/accounts/location/add/")
    page.select_option("#id_brand", label="Summit Home Care")
    page.fill("#id_name", "Summit Home Care — Boulder")
    page.fill("#id_address", "12 Pearl Street")
    page.fill("#id_time_zone", "Denver")  # the suggestions list offers America/Denver
    page.get_by_label("24/7").check()
    page.get_by_label("At the office").check()
    page.get_by_label("By phone").check()
    page.fill("#id_back_office", "303 555 01")  # too short: a clear error, nothing saved
    page.fill("#id_notification_emails", "Front@Summit.test\nowner@summit.test")
    page.fill("#id_sms_distribution_list", "(303) 555-0111\n303.555.0112")
    page.click("input[name=_save]")
    page.wait_for_load_state("networkidle")
    error = page.locator(".field-back_office .errorlist").inner_text()
    assert "“303 555 01” is not a phone number" in error and "10 digits" in error
    assert not Location.objects.filter(name="Summit Home Care — Boulder").exists()
    # The form keeps what was typed and ticked.
    assert page.get_by_label("By phone").is_checked() and page.get_by_label("24/7").is_checked()

    page.fill("#id_back_office", "303 555 0100")
    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r"/admin/accounts/location/$"))
    location = Location.objects.get(name="Summit Home Care — Boulder")
    assert location.time_zone == "America/Denver"
    assert location.plan == "twenty_four_seven"
    assert sorted(location.meeting_types) == ["office", "phone"]
    assert location.back_office == "+13035550100"
    assert location.notification_emails == ["front@summit.test", "owner@summit.test"]
    assert location.sms_distribution_list == ["+13035550111", "+13035550112"]

    admin.visit(f"/admin/accounts/location/{location.pk}/change/")
    assert page.input_value("#id_time_zone") == "America/Denver"
    assert page.input_value("#id_back_office") == "(303) 555-0100"
    assert admin.problems() == []


def _areas_csv(rows: list[tuple[str, str, str]]) -> bytes:
    return ("area,postal_code,location\n" + "".join(f"{a},{c},{loc}\n" for a, c, loc in rows)).encode()


def _upload(page, brand_name: str, name: str, content: bytes, *, move: bool = False) -> None:
    page.select_option("#id_brand", label=brand_name)
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": "text/csv", "buffer": content}])
    if move:
        page.check("#id_move")
    page.click("input[value=Preview]")
    page.wait_for_load_state("networkidle")


def _count(page, outcome: str) -> int:
    return int(page.inner_text(f"#count-{outcome}"))


def test_area_import_previews_refuses_bad_rows_then_imports_and_round_trips(browser, live_server, staff, tmp_path):
    brand = BrandFactory(name="Summit Home Care")
    brooklyn = LocationFactory(brand=brand, name="Brooklyn")
    LocationFactory(brand=brand, name="Denver")
    AreaFactory(location=brooklyn, name="Park Slope")  # exists, without codes yet
    rows = [
        ("Park Slope" if n < 50 else f"Area {n // 50}", f"{11000 + n:05d}", "Brooklyn" if n < 100 else "Denver")
        for n in range(200)
    ]
    bad = list(rows)
    bad[10] = ("Park Slope", "1120", "Brooklyn")  # four digits
    bad[120] = ("Area 2", "11120", "Phoenix")  # no such Location
    bad[199] = ("", "11199", "Denver")  # no area
    admin = StaffBrowser(browser, live_server, staff, accept_downloads=True)
    page = admin.page
    admin.visit("/admin/accounts/area/import/")

    _upload(page, "Summit Home Care", "areas.csv", _areas_csv(bad))
    assert _count(page, "invalid") == 3 and _count(page, "added") == 197
    invalid = page.locator("tr.outcome-invalid")
    assert invalid.count() == 3
    assert [invalid.nth(i).locator("td").first.inner_text() for i in range(3)] == ["12", "122", "201"]
    assert "No Location “Phoenix”" in invalid.nth(1).inner_text()
    assert "Nothing will be imported" in page.inner_text("#import-refused")
    assert page.locator("form.area-confirm").count() == 0
    assert AreaPostalCode.objects.filter(brand=brand).count() == 0 and Area.objects.filter(brand=brand).count() == 1

    _upload(page, "Summit Home Care", "areas.csv", _areas_csv(rows))
    assert _count(page, "added") == 200 and _count(page, "invalid") == 0 and _count(page, "new-areas") == 3
    assert AreaPostalCode.objects.filter(brand=brand).count() == 0  # still only a preview
    page.click("form.area-confirm input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/accounts/area/\?brand__id__exact="))
    assert "200 postal codes added, 0 moved, 0 already there; 3 new areas" in page.inner_text(".messagelist")
    assert AreaPostalCode.objects.filter(brand=brand).count() == 200
    assert Area.objects.filter(brand=brand).count() == 4
    assert Area.objects.get(name="Area 3").location.name == "Denver"
    assert AreaPostalCode.objects.get(postal_code="11199").area.name == "Area 3"

    admin.visit("/admin/accounts/area/import/")
    page.select_option("#id_export-brand", label="Summit Home Care")
    with page.expect_download() as download_info:
        page.click("input[value=Download]")
    exported = tmp_path / "areas.csv"
    download_info.value.save_as(exported)
    lines = exported.read_text().splitlines()
    assert lines[0] == "area,postal_code,location" and len(lines) == 201
    assert "Park Slope,11000,Brooklyn" in lines

    admin.visit("/admin/accounts/area/import/")
    _upload(page, "Summit Home Care", "areas.csv", exported.read_bytes())
    assert _count(page, "already") == 200 and _count(page, "added") == 0 and _count(page, "invalid") == 0
    assert "importing changes nothing" in page.inner_text("form.area-confirm")
    page.click("form.area-confirm input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/accounts/area/\?brand__id__exact="))
    assert "0 postal codes added, 0 moved, 200 already there; 0 new areas" in page.inner_text(".messagelist")
    assert AreaPostalCode.objects.filter(brand=brand).count() == 200 and Area.objects.filter(brand=brand).count() == 4
    assert admin.problems() == []


def test_operations_overview_shows_a_conflict_raised_here_and_its_age(browser, live_server, staff, tenant_a):
    lead = LeadFactory(location=tenant_a.location, first_name="Maria")
    ConflictFactory(location=tenant_a.location, lead=lead, created_at=timezone.now() - dt.timedelta(minutes=150))
    admin = StaffBrowser(browser, live_server, staff)
    admin.visit("/admin/")
    row = admin.page.locator("section.operations tr.waiting").first
    assert row.locator("#figure-1-total").inner_text() == "1"
    # 2 h 30 min when the page was made (a slow machine may pass a minute boundary).
    assert re.search(r"oldest waiting 2 h 3\d min", row.inner_text()), row.inner_text()
    assert "1 1 to 4 hours" in row.inner_text()
    row.get_by_role("link", name="1 1 to 4 hours").click()
    admin.page.wait_for_load_state("networkidle")
    assert "/admin/conflicts/conflict/" in admin.page.url and "age=1h-4h" in admin.page.url
    assert "Maria" in admin.page.inner_text("#result_list")
    assert admin.problems() == []


def test_a_new_api_key_is_shown_once_with_a_copy_button(browser, live_server, staff, agent):
    admin = StaffBrowser(browser, live_server, staff)
    admin.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = admin.page
    admin.visit("/admin/accounts/apitoken/add/")
    page.fill("#id_name", "Website contact form")
    page.fill("#id_user", str(agent.pk))
    page.get_by_label("Agent (all locations)").check()
    page.click("input[name=_save]")
    page.wait_for_load_state("networkidle")
    assert "shown only once" in page.inner_text("[role=alert]")
    key = page.input_value("#api-key")
    page.get_by_role("button", name="Copy key").click()
    page.wait_for_function("document.querySelector('[data-copy-status]').textContent !== ''")
    assert page.inner_text("[data-copy-status]") == "Copied."
    assert page.evaluate("navigator.clipboard.readText()") == key
    token = ApiToken.objects.get(name="Website contact form")
    assert token.prefix == key[:12]
    admin.visit("/admin/accounts/apitoken/")
    assert key not in page.content() and "Active" in page.inner_text("#result_list")
    assert admin.problems() == []


def test_admin_pages_have_no_serious_accessibility_violations_nor_csp_errors(browser, live_server, staff, tenant_a):
    ConflictFactory(location=tenant_a.location, created_at=timezone.now() - dt.timedelta(hours=5))
    AreaFactory(location=tenant_a.location)
    pages = [
        "/admin/",
        "/admin/accounts/location/add/",
        f"/admin/accounts/location/{tenant_a.location.pk}/change/",
        "/admin/accounts/area/import/",
        "/admin/accounts/apitoken/add/",
        "/admin/accounts/location/",
        "/admin/conflicts/conflict/?status__exact=pending",
        "/admin/accounts/area/",
    ]
    # Under the CSP: no violation, no console error.
    watched = StaffBrowser(browser, live_server, staff)
    for path in pages:
        watched.errors.clear()
        response = watched.visit(path)
        assert response.headers.get("content-security-policy"), path
        assert watched.problems() == [], (path, watched.problems())
    # axe-core is injected as a script, which the CSP would block: a second context bypasses it.
    audited = StaffBrowser(browser, live_server, staff, bypass_csp=True)
    for path in pages:
        audited.visit(path)
        found = _axe_violations(audited.page)
        assert found == [], (path, found)
