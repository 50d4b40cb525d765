"""What an owner reads: requested times in the Location's own zone (pages, e-mail, SMS), answer
buttons only for roles that may answer, demo requests at sensible local hours."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from conflicts.services import conflict_raise
from notifications.models import Notification
from tests.clients import login
from tests.factories import ConflictFactory, LeadFactory

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")


def _evening_in_three_days() -> dt.datetime:
    day = timezone.now().astimezone(NY).date() + dt.timedelta(days=3)
    return dt.datetime.combine(day, dt.time(19), tzinfo=NY)  # 7 PM in New York = midnight UTC


def test_pages_show_the_requested_time_in_the_locations_zone(tenant_a):
    start = _evening_in_three_days()
    conflict = ConflictFactory(
        location=tenant_a.location, requested_start=start, requested_end=start + dt.timedelta(hours=1)
    )
    client = login(tenant_a.owner)
    for url in ("/dashboard/", conflict.get_absolute_url()):
        html = client.get(url).content.decode()
        assert "7:00 PM–8:00 PM" in html, url  # not 12:00 AM (UTC)
        assert "Eastern time" in html, url


def test_emails_and_texts_show_the_requested_time_in_the_locations_zone(tenant_a, agent):
    tenant_a.location.sms_distribution_enabled = True
    tenant_a.location.sms_distribution_list = ["+19175550123"]
    tenant_a.location.save()
    start = _evening_in_three_days()
    conflict_raise(
        lead=LeadFactory(location=tenant_a.location),
        kind="schedule",
        requested_start=start,
        requested_end=start + dt.timedelta(hours=1),
        requested_meeting_type="client_home",
        actor=agent,
    )
    email = Notification.objects.get(kind="conflict_raised", channel="email")
    assert "7:00 PM" in email.title and "7:00 PM–8:00 PM (Eastern time)" in email.body
    assert "7:00 PM–8:00 PM (Eastern time)" in email.html_body
    sms = Notification.objects.get(kind="conflict_raised", channel="sms")
    assert "7:00 PM E" in sms.body  # EST or EDT


@pytest.mark.parametrize("role", ["viewer", "brand_user"])
def test_read_only_roles_see_no_answer_buttons_and_are_refused(tenant_a, role):
    conflict = ConflictFactory(location=tenant_a.location)
    client = login(getattr(tenant_a, role))
    html = client.get("/dashboard/").content.decode()
    assert f'id="item-conflict-{conflict.pk}"' in html
    assert f'id="answer-conflict-{conflict.pk}"' not in html and 'value="approve"' not in html
    assert "Waiting for an owner or manager" in html
    answer = client.post(f"/conflicts/{conflict.pk}/respond/", {"decision": "approve"})
    assert answer.status_code == 403
    conflict.refresh_from_db()
    assert conflict.status == "pending"


def test_owner_and_manager_see_the_answer_buttons(tenant_a):
    conflict = ConflictFactory(location=tenant_a.location)
    for user in (tenant_a.owner, tenant_a.manager):
        html = login(user, tenant_a.location).get("/dashboard/").content.decode()
        assert f'id="answer-conflict-{conflict.pk}"' in html and 'value="approve"' in html


def test_demo_requests_fall_in_local_business_hours():
    from accounts import demo as accounts_demo
    from conflicts import demo
    from conflicts.models import Conflict, SameDayRequest

    seeded = accounts_demo.seed()
    demo.seed(seeded)
    for location in (seeded.brooklyn, seeded.denver):
        for request in SameDayRequest.objects.filter(location=location):
            local = request.requested_start.astimezone(location.zone)
            assert 10 <= local.hour <= 18, (location.name, local)
        pending = Conflict.objects.filter(location=location, status="pending")
        assert all(7 <= c.requested_start.astimezone(location.zone).hour <= 19 for c in pending)
        addresses = {c.requested_address for c in Conflict.objects.filter(location=location)} - {""}
        assert all(location.city in address for address in addresses), addresses
    brooklyn_names = set(
        SameDayRequest.objects.filter(location=seeded.brooklyn).values_list("lead__last_name", flat=True)
    )
    denver_names = set(SameDayRequest.objects.filter(location=seeded.denver).values_list("lead__last_name", flat=True))
    assert not brooklyn_names & denver_names
