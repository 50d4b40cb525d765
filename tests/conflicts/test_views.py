"""The Action Center on /dashboard/ and the portal's answer endpoints (HTMX and plain POST)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conflicts.models import Conflict, SameDayRequest
from portal.triage import SHOWN
from tests.clients import login
from tests.factories import ConflictFactory, LeadFactory, SameDayRequestFactory
from tests.isolation import find_leaks, object_routes

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_action_center_lists_same_day_requests_before_conflicts(tenant_a, tenant_b):
    now = timezone.now()
    newer = ConflictFactory(location=tenant_a.location, created_at=now - dt.timedelta(hours=1))
    older = SameDayRequestFactory(location=tenant_a.location, created_at=now - dt.timedelta(hours=5))
    ConflictFactory(location=tenant_a.location, status="approved")
    foreign = ConflictFactory(location=tenant_b.location)
    page = login(tenant_a.owner).get("/dashboard/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.index(f'id="item-same_day-{older.pk}"') < html.index(f'id="item-conflict-{newer.pk}"')
    assert f"item-conflict-{foreign.pk}" not in html
    assert 'id="ac-total" class="badge danger" data-live-count="action_center" data-keep-zero>2<' in html
    assert "5 h ago" in html and "1 h ago" in html  # the age of each item (tests/portal/test_triage.py)


def _dashboard_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/dashboard/").status_code == 200
    return len(captured)


def test_dashboard_uses_a_fixed_number_of_queries(tenant_a, django_assert_num_queries):
    client = login(tenant_a.owner, tenant_a.location)
    ConflictFactory(location=tenant_a.location)
    _dashboard_queries(client)  # warm the session / content types
    # 1 session, 1 user, 1 is-agent check, 1 current location (switcher), 1 Action Center (pending
    # conflicts and same-day requests, urgent messages, failed deliveries), 1 month at a glance and
    # 90-day chart (the daily rollups), 1 recent leads, 1 recent messages, 1 switcher locations,
    # 1 calendar notices (owner calendars that could not be read, the sufficiency banner).
    with django_assert_num_queries(_dashboard_queries(client)) as one:
        client.get("/dashboard/")
    for _ in range(50):
        ConflictFactory(location=tenant_a.location, lead=LeadFactory(location=tenant_a.location))
        SameDayRequestFactory(location=tenant_a.location, lead=LeadFactory(location=tenant_a.location))
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get("/dashboard/")
    # The most urgent lines on the page, every one behind "Show all", the counter exact.
    assert page.content.decode().count('class="ac-item pending"') == SHOWN
    assert 'data-live-count="conflicts" data-keep-zero>51<' in page.content.decode()
    assert client.get("/dashboard/?all=1").content.decode().count('class="ac-item pending"') == 101
    assert len(one.captured_queries) <= 10


def test_dashboard_query_count_is_exact(tenant_a, django_assert_num_queries):
    from tests.factories import OfficeMessageFactory

    client = login(tenant_a.owner, tenant_a.location)
    for n in (1, 100):
        Conflict.objects.all().delete()
        for _ in range(n):
            ConflictFactory(location=tenant_a.location)
            SameDayRequestFactory(location=tenant_a.location)
            OfficeMessageFactory(location=tenant_a.location, urgent=True)
        _dashboard_queries(client)
        # session, user, is-agent group check (scoping), current location, the Action Center (pending
        # same-day requests and conflicts, urgent messages, failed deliveries: one UNION ALL),
        # month at a glance + 90-day chart (one read of the daily rollups), recent leads, recent
        # messages, switcher locations, the calendar notices (the owner calendars that could not be
        # read, the sufficiency banner's managed per-appointment locations with their availability:
        # one UNION ALL) = 10
        with django_assert_num_queries(10):
            client.get("/dashboard/")


@pytest.mark.parametrize("who", ["owner", "brand_user", "agent"])
def test_dashboard_on_all_my_locations_is_nine_queries(who, tenant_a, tenant_b, agent, django_assert_num_queries):
    """Issue #17: at most ten queries for a one-Location owner, a brand user and an agent on "All
    my locations", whatever is waiting."""
    from tests.factories import NotificationFactory, OfficeMessageFactory

    user = agent if who == "agent" else getattr(tenant_a, who)
    client = login(user)
    for tenant in (tenant_a, tenant_b):
        for _ in range(3):
            ConflictFactory(location=tenant.location)
            SameDayRequestFactory(location=tenant.location)
            OfficeMessageFactory(location=tenant.location, urgent=True)
            NotificationFactory(location=tenant.location, status="failed")
    _dashboard_queries(client)
    # session, user, access flags (agent, brand, owner), switcher Locations, the Action Center (one
    # UNION ALL), the daily rollups, recent leads, recent messages, the calendar notices = 9
    with django_assert_num_queries(9):
        page = client.get("/dashboard/")
    assert page.status_code == 200 and 'class="tri-line ' in page.content.decode()


def test_all_my_locations_aggregates(tenant_a):
    from tests.factories import LocationFactory, MembershipFactory

    denver = LocationFactory(brand=tenant_a.brand, time_zone="America/Denver", name="Denver")
    MembershipFactory(user=tenant_a.owner, location=denver, role="owner")
    ConflictFactory(location=tenant_a.location)
    ConflictFactory(location=denver)
    html = login(tenant_a.owner).get("/dashboard/").content.decode()
    assert 'id="count-conflicts" data-live-count="conflicts" data-keep-zero>2<' in html and "Denver" in html


def test_htmx_answer_returns_the_answered_box_and_oob_counters(tenant_a):
    conflict = ConflictFactory(location=tenant_a.location)
    SameDayRequestFactory(location=tenant_a.location)
    response = login(tenant_a.owner, tenant_a.location).post(
        f"/conflicts/{conflict.pk}/respond/", {"decision": "approve", "notes": "ok", "channel": "action_center"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="answer-conflict-{conflict.pk}"' in html and "Already answered" not in html and "Approved" in html
    assert 'id="count-same-day" data-live-count="same_day" data-keep-zero hx-swap-oob="true">1<' in html
    assert response["HX-Trigger"] == "pending-answered"  # the Action Center moves on and reads its counters
    assert 'id="count-answered" hx-swap-oob="true">1<' in html
    assert Conflict.objects.get(pk=conflict.pk).response_channel == "action_center"


def test_htmx_alternate_with_local_date_and_time(tenant_a):
    conflict = ConflictFactory(location=tenant_a.location)
    day = (timezone.now() + dt.timedelta(days=4)).astimezone(tenant_a.location.zone).date()
    response = login(tenant_a.manager).post(
        f"/conflicts/{conflict.pk}/respond/",
        {
            "decision": "alternate",
            "alternate_date": day.isoformat(),
            "alternate_time": "16:15",
            "alternate_meeting_type": "office",
            "clash_ok": "1",  # Location A has no availability: the owner confirms the clash
        },
        **HTMX,
    )
    assert response.status_code == 200
    conflict.refresh_from_db()
    local = conflict.alternate_start.astimezone(tenant_a.location.zone)
    assert (local.date(), local.hour, local.minute, conflict.alternate_meeting_type) == (day, 16, 15, "office")


def test_refusals_show_their_reason_in_place(tenant_a):
    conflict = ConflictFactory(location=tenant_a.location)
    owner = login(tenant_a.owner)
    bad = owner.post(
        f"/conflicts/{conflict.pk}/respond/", {"decision": "alternate", "alternate_start": "2020-01-01T10:00"}, **HTMX
    )
    assert bad.status_code == 400 and "in the future" in bad.content.decode()
    assert (
        login(tenant_a.viewer).post(f"/conflicts/{conflict.pk}/respond/", {"decision": "approve"}, **HTMX).status_code
        == 403
    )
    assert owner.post(f"/conflicts/{conflict.pk}/respond/", {"decision": "decline"}, **HTMX).status_code == 200
    again = owner.post(f"/conflicts/{conflict.pk}/respond/", {"decision": "approve"}, **HTMX)
    assert again.status_code == 409 and "Already answered: it was declined" in again.content.decode()
    assert Conflict.objects.get(pk=conflict.pk).status == "declined"


def test_a_viewer_gets_403_before_the_alternate_is_validated(tenant_a):
    conflict = ConflictFactory(location=tenant_a.location)
    response = login(tenant_a.viewer).post(
        f"/conflicts/{conflict.pk}/respond/", {"decision": "alternate", "alternate_start": "not a time"}, **HTMX
    )
    assert response.status_code == 403
    assert Conflict.objects.get(pk=conflict.pk).status == "pending"


def test_plain_post_redirects_back_and_errors_render_a_page(tenant_a):
    conflict = ConflictFactory(location=tenant_a.location)
    same_day = SameDayRequestFactory(location=tenant_a.location)
    client = login(tenant_a.owner)
    response = client.post(f"/conflicts/{conflict.pk}/respond/", {"decision": "decline", "next": "/dashboard/"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    evil = client.post(f"/same-day/{same_day.pk}/respond/", {"decision": "decline", "next": "https://evil.test/"})
    assert evil["Location"] == "/dashboard/"
    assert SameDayRequest.objects.get(pk=same_day.pk).status == "declined"
    again = client.post(f"/conflicts/{conflict.pk}/respond/", {"decision": "approve"})
    assert again.status_code == 409 and "Already answered" in again.content.decode()


def test_detail_pages(tenant_a):
    conflict = ConflictFactory(location=tenant_a.location, caller_notes="Evenings only")
    page = login(tenant_a.viewer).get(conflict.get_absolute_url())
    assert page.status_code == 200 and "Evenings only" in page.content.decode()
    assert "may not answer" in page.content.decode()
    page = login(tenant_a.owner).get(conflict.get_absolute_url())
    assert 'name="decision" value="approve"' in page.content.decode()


def test_conflict_routes_do_not_leak_another_tenant(tenant_a, tenant_b):
    mine = {
        "conflict_detail",
        "conflict_respond",
        "same_day_detail",
        "same_day_respond",
        "api_conflict_respond",
        "api_same_day_respond",
        "api_callback_close",
    }
    routes = [route for route in object_routes() if route.name in mine]
    assert {route.name for route in routes} == mine
    assert find_leaks(routes, tenant_a, tenant_b) == []
