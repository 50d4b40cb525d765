"""The per-Location top-N (accounts.scoping.newest_per_location) returns exactly the rows of the
plain query: Leads list cursor pages, the dashboard's recent leads and the inbox, for an owner of
several Locations and a brand user (brand-only leads included), with interleaved and equal
created_at values across Locations (bench/README.md § 6)."""

from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.utils import timezone

from leads.models import Lead
from messaging.models import OfficeMessage
from tests.factories import LeadFactory, LocationFactory, MembershipFactory, OfficeMessageFactory


@pytest.fixture
def spread(tenant_a, tenant_b):
    """Three Locations of brand A (+ brand-only leads), one owner of all three; tenant B alongside."""
    brand = tenant_a.brand
    locations = [tenant_a.location, LocationFactory(brand=brand), LocationFactory(brand=brand)]
    owner = tenant_a.owner
    for location in locations[1:]:
        MembershipFactory(user=owner, location=location, role="owner")
    base = timezone.now() - timedelta(days=3)
    for k in range(45):
        # Interleaved times; every fifth step the same instant at every Location (ties on created_at).
        at = base + timedelta(minutes=(k // 5) * 7) if k % 5 == 0 else base + timedelta(minutes=k * 3 + 1)
        for i, location in enumerate(locations):
            stamp = at if k % 5 == 0 else at + timedelta(seconds=i * 50)
            LeadFactory(location=location, created_at=stamp, status="in_process" if k % 3 else "converted")
            OfficeMessageFactory(location=location, created_at=stamp)
        if k % 4 == 0:
            LeadFactory(location=None, brand=brand, created_at=at)
    LeadFactory(location=tenant_b.location, created_at=base + timedelta(hours=1))
    OfficeMessageFactory(location=tenant_b.location, created_at=base + timedelta(hours=1))
    return locations


def _walk(client, url, page_size):
    seen, pages, query = [], 0, ""
    while True:
        response = client.get(url + ("&" if "?" in url else "?") + query if query else url)
        assert response.status_code == 200
        rows = [lead.pk for lead in response.context["leads"]]
        assert len(rows) <= page_size
        seen += rows
        pages += 1
        next_query = response.context["next_query"]
        if not next_query:
            return seen, pages
        query = "after=" + parse_qs(next_query)["after"][0]


@pytest.mark.parametrize("who", ["owner", "brand_user"])
@pytest.mark.parametrize("status", ["", "converted"])
def test_leads_list_cursor_pages_equal_plain_query(client, tenant_a, spread, who, status, monkeypatch):
    monkeypatch.setattr("leads.views.PAGE_SIZE", 7)
    user = getattr(tenant_a, who)
    client.force_login(user)
    url = "/leads/" + (f"?status={status}" if status else "")
    seen, pages = _walk(client, url, 7)
    expected = Lead.objects.visible_to(user).order_by("-created_at", "-id")
    if status:
        expected = expected.filter(status=status)
    expected = list(expected.values_list("pk", flat=True))
    assert pages >= 3
    assert seen == expected
    brand_only = set(Lead.objects.filter(location__isnull=True).values_list("pk", flat=True))
    assert bool(brand_only & set(seen)) == (who == "brand_user" and not status)  # brand-only leads: in process
    assert tenant_a.location.pk in set(Lead.objects.filter(pk__in=seen).values_list("location_id", flat=True))


@pytest.mark.parametrize("who", ["owner", "brand_user"])
def test_dashboard_recent_leads_and_messages_equal_plain_query(client, tenant_a, spread, who):
    user = getattr(tenant_a, who)
    client.force_login(user)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    leads = Lead.objects.visible_to(user).order_by("-created_at", "-id")
    assert [lead.pk for lead in response.context["recent_leads"]] == list(leads.values_list("pk", flat=True)[:5])
    messages = OfficeMessage.objects.visible_to(user).order_by("-created_at", "-id")
    assert [m.pk for m in response.context["recent_messages"]] == list(messages.values_list("pk", flat=True)[:5])


@pytest.mark.parametrize("who", ["owner", "brand_user"])
def test_inbox_cursor_pages_equal_plain_query(client, tenant_a, spread, who):
    user = getattr(tenant_a, who)
    client.force_login(user)
    seen, cursor, pages = [], "", 0
    while True:
        response = client.get("/messages/" + (f"?cursor={cursor}" if cursor else ""))
        assert response.status_code == 200
        page = response.context["page"]
        seen += [m.pk for m in page.items]
        pages += 1
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    expected = list(OfficeMessage.objects.visible_to(user).order_by("-created_at", "-id").values_list("pk", flat=True))
    assert pages >= 3
    assert seen == expected
