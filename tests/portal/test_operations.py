"""The operations overview at the top of staff admin (portal/operations.py, issue #17): every
figure, its link to the filtered list, a fixed number of queries, and the resend of a failed
delivery through the outbox exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from calendars.models import CalendarSource
from notifications import sms
from notifications.models import Notification, RefusedWebhook
from notifications.resend import notifications_resend
from portal.operations import operations_overview
from tests.conftest import verified_login
from tests.factories import ConflictFactory, LocationFactory, NotificationFactory, SameDayRequestFactory


@pytest.fixture
def busy(clock, tenant_a, tenant_b):
    """Two tenants with something on every line of the overview."""
    now = timezone.now()
    for minutes, location in ((30, tenant_a.location), (90, tenant_b.location), (60 * 30, tenant_a.location)):
        ConflictFactory(location=location, created_at=now - timedelta(minutes=minutes))
    ConflictFactory(location=tenant_a.location, status="approved", created_at=now - timedelta(hours=50))
    SameDayRequestFactory(location=tenant_b.location, created_at=now - timedelta(minutes=300))
    NotificationFactory(location=tenant_a.location, status="failed", created_at=now - timedelta(hours=2))
    NotificationFactory(location=tenant_b.location, status="undelivered", created_at=now - timedelta(hours=3))
    NotificationFactory(location=tenant_b.location, status="failed", created_at=now - timedelta(hours=30))  # older
    NotificationFactory(location=tenant_a.location, status="queued", created_at=now - timedelta(minutes=7))
    NotificationFactory(location=tenant_a.location, status="sent", created_at=now - timedelta(minutes=70))
    CalendarSource.objects.create(location=tenant_a.location, kind="ics", url="https://a.test/a.ics", last_error="404")
    CalendarSource.objects.create(location=tenant_b.location, kind="ics", url="https://cal.test/b.ics")
    RefusedWebhook.objects.create(path="/webhooks/twilio/sms/", status=403, received_at=now - timedelta(minutes=5))
    RefusedWebhook.objects.create(path="/webhooks/twilio/sms/", status=403, received_at=now - timedelta(minutes=61))
    return now


@pytest.mark.django_db
def test_the_overview_counts_what_needs_a_person(staff, busy):
    overview = operations_overview(actor=staff)
    conflicts, same_day = overview.waiting
    assert [b.count for b in conflicts.buckets] == [1, 1, 0, 1] and conflicts.total.count == 3
    assert conflicts.oldest == "30 h 00 min"
    assert conflicts.buckets[1].url == "/admin/conflicts/conflict/?status__exact=pending&age=1h-4h"
    assert [b.count for b in same_day.buckets] == [0, 0, 1, 0] and same_day.oldest == "5 h 00 min"
    assert overview.failed_deliveries.count == 2
    assert [n.status for n in overview.recent_failures] == ["failed", "undelivered"]
    assert overview.failing_sources.count == 1
    assert overview.failing_sources.url == "/admin/calendars/calendarsource/?refresh=failing"
    assert overview.refused_webhooks.count == 1
    assert overview.outbox.count == 1 and overview.outbox.note == "oldest waiting 7 min"


@pytest.mark.django_db
def test_each_figure_links_to_a_list_that_shows_the_same_rows(client, staff, busy):
    verified_login(client, staff)
    overview = operations_overview(actor=staff)
    conflicts, same_day = overview.waiting
    figures = [*conflicts.buckets, conflicts.total, *same_day.buckets, overview.failed_deliveries]
    figures += [overview.failing_sources, overview.refused_webhooks, overview.outbox, overview.insufficient_calendars]
    for figure in figures:
        response = client.get(figure.url)
        assert response.status_code == 200, figure.url
        assert response.context["cl"].result_count == figure.count, (figure.label, figure.url)


@pytest.mark.django_db
def test_the_admin_index_costs_a_fixed_number_of_queries(client, staff, busy, django_assert_num_queries):
    verified_login(client, staff)
    client.get("/admin/")  # warm: content types, the OTP device
    for _ in range(5):  # more Locations and rows change nothing
        location = LocationFactory()
        ConflictFactory(location=location)
        NotificationFactory(location=location, status="failed")
    # 1 session, 1 user, 1 two-factor device (django-otp's verified session),
    # 9 overview: Locations, their availability (insufficient calendars: windows and exceptions in
    #   one UNION ALL); pending
    #   conflicts and same-day requests by age (1 each); failed deliveries (count, latest five);
    #   failing calendar sources; refused webhooks; the outbox depth and oldest row,
    # 1 recent actions (the admin log).
    with django_assert_num_queries(13):
        response = client.get("/admin/")
    assert response.status_code == 200
    assert b"What needs attention now" in response.content


@pytest.mark.django_db
def test_only_staff_see_the_overview(tenant_a, agent):
    for user in (tenant_a.owner, agent):
        with pytest.raises(PermissionDenied):
            operations_overview(actor=user)
        with pytest.raises(PermissionDenied):
            notifications_resend(actor=user, notification_ids=[])


@pytest.mark.django_db
def test_resend_sends_a_failed_delivery_again_exactly_once(staff, tenant_a, django_capture_on_commit_callbacks):
    failed = NotificationFactory(location=tenant_a.location, status="failed", provider_id="SMold", attempts=1)
    delivered = NotificationFactory(location=tenant_a.location, status="delivered")
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_resend(actor=staff, notification_ids=[failed.pk, delivered.pk]) == [failed.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_resend(actor=staff, notification_ids=[failed.pk]) == []  # the double click
    failed.refresh_from_db()
    assert failed.status == "sent" and failed.attempts == 2 and failed.provider_id != "SMold"
    assert [m.to for m in sms.outbox] == [failed.recipient]
    assert Notification.objects.get(pk=delivered.pk).status == "delivered"


@pytest.mark.django_db
def test_resend_from_the_overview(client, staff, tenant_a, django_capture_on_commit_callbacks):
    failed = NotificationFactory(location=tenant_a.location, status="undelivered")
    verified_login(client, staff)
    assert f'name="notification" value="{failed.pk}"'.encode() in client.get("/admin/").content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/operations/resend/", {"notification": failed.pk}, follow=True)
    assert "Queued to send again." in response.content.decode()
    response = client.post("/admin/operations/resend/", {"notification": failed.pk}, follow=True)
    assert "no longer failed" in response.content.decode()
    assert len(sms.outbox) == 1
    assert client.post("/admin/operations/resend/", {"notification": "x"}).status_code == 302
    assert client.get("/admin/operations/resend/").status_code == 405
