"""How the portal shows phone numbers, zones, meeting types and months; friendly 403/404 pages."""

from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from accounts.templatetags.portal_format import meeting_types, month_label, phone, zone_label


def test_filters_read_like_people_write():
    assert phone("+12125550123") == "(212) 555-0123"
    assert phone("office@example.com") == "office@example.com" and phone("") == ""
    assert zone_label("America/New_York") == "Eastern time"
    assert zone_label(ZoneInfo("America/Phoenix")) == "Arizona time"
    assert zone_label("Europe/Paris") == "Paris time"
    assert meeting_types(["office", "client_home"]) == "At the office, At the client's home"
    assert month_label("2026-11") == "November 2026" and month_label("nope") == "nope"


@pytest.mark.django_db
def test_settings_show_readable_numbers_and_save_e164(tenant_a):
    location = tenant_a.location
    location.back_office = "+12125550199"
    location.save()
    client = Client()
    client.force_login(tenant_a.owner)
    html = client.get(f"/settings/{location.pk}/").content.decode()
    assert 'value="(212) 555-0199"' in html and 'type="tel"' in html


@pytest.mark.django_db
def test_forbidden_and_missing_pages_explain_and_lead_back(tenant_a):
    client = Client()
    client.force_login(tenant_a.viewer)
    forbidden = client.get(f"/settings/{tenant_a.location.pk}/")
    assert forbidden.status_code == 403
    html = forbidden.content.decode()
    assert "You can't open this page" in html and 'href="/dashboard/"' in html and "may not" in html
    missing = client.get("/leads/999999999/")
    assert missing.status_code == 404 and "We couldn't find this page" in missing.content.decode()
    fragment = client.get(f"/settings/{tenant_a.location.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and 'role="alert"' in fragment
