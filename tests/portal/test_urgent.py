"""Acknowledge and escalate (issue #11): "Got it" (who, when, channel) from the portal and from a
signed text link, escalation by SMS to the owners' own mobiles exactly once, "Called back"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conflicts.models import SameDayRequest
from messaging.models import OfficeMessage
from notifications import sms
from notifications.models import Notification
from portal import urgent
from portal.tasks import escalate_urgent_items
from tests.clients import login
from tests.factories import OfficeMessageFactory, SameDayRequestFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def owner_mobile(tenant_a):
    tenant_a.owner.mobile = "+19175550123"
    tenant_a.owner.save(update_fields=["mobile"])
    return tenant_a.owner


def test_got_it_in_the_portal_records_who_when_and_channel_once(clock, tenant_a):
    message = OfficeMessageFactory(location=tenant_a.location, urgent=True, caller_name="Una Urgent")
    page = login(tenant_a.owner).get("/dashboard/").content.decode()
    assert f"/messages/{message.pk}/got-it/" in page and "Una Urgent" in page

    response = login(tenant_a.manager).post(f"/messages/{message.pk}/got-it/", **HTMX)
    assert response.status_code == 200
    assert f"Got it: {tenant_a.manager}" in response.content.decode() and "from the portal" in response.content.decode()
    message.refresh_from_db()
    first = (message.acknowledged_at, message.acknowledged_by_id, message.acknowledged_channel)
    assert first == (timezone.now(), tenant_a.manager.pk, "portal")

    clock.shift(dt.timedelta(minutes=3))
    login(tenant_a.owner).post(f"/messages/{message.pk}/got-it/", **HTMX)
    message.refresh_from_db()
    assert (message.acknowledged_at, message.acknowledged_by_id, message.acknowledged_channel) == first


def test_a_viewer_cannot_say_got_it_and_another_tenant_gets_404(tenant_a, tenant_b):
    same_day = SameDayRequestFactory(location=tenant_a.location)
    response = login(tenant_a.viewer).post(f"/same-day/{same_day.pk}/got-it/", **HTMX)
    assert response.status_code == 403 and "may not acknowledge" in response.content.decode()
    assert login(tenant_b.owner).post(f"/same-day/{same_day.pk}/got-it/").status_code == 404
    same_day.refresh_from_db()
    assert same_day.acknowledged_at is None


def test_unacknowledged_urgent_items_escalate_once_to_the_owners_mobiles(
    clock, tenant_a, owner_mobile, settings, django_capture_on_commit_callbacks
):
    settings.URGENT_ESCALATION_MINUTES = 15
    message = OfficeMessageFactory(location=tenant_a.location, urgent=True, caller_name="Una Urgent")
    same_day = SameDayRequestFactory(location=tenant_a.location)
    seen = OfficeMessageFactory(location=tenant_a.location, urgent=True)
    OfficeMessageFactory(location=tenant_a.location, urgent=False)
    urgent.urgent_acknowledge(item=seen, actor=tenant_a.manager, channel="portal")

    clock.shift(dt.timedelta(minutes=14))
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_urgent_items() == 0
    assert sms.outbox == []

    clock.shift(dt.timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_urgent_items() == 2
        assert escalate_urgent_items() == 0  # claimed: a second sweep sends nothing
    texts = [(t.to, t.body) for t in sms.outbox]
    assert len(texts) == 2 and {to for to, _ in texts} == {"+19175550123"}
    assert any("Una Urgent" in body and "/got-it/" in body for _, body in texts)
    rows = Notification.objects.filter(kind="urgent_escalation")
    assert rows.count() == 2 and set(rows.values_list("status", flat=True)) == {"sent"}
    assert OfficeMessage.objects.get(pk=message.pk).escalated_at == timezone.now()
    assert SameDayRequest.objects.get(pk=same_day.pk).escalated_at == timezone.now()
    assert OfficeMessage.objects.get(pk=seen.pk).escalated_at is None

    page = login(tenant_a.owner).get("/dashboard/").content.decode()
    assert page.count("Escalated") >= 2


def test_two_sweeps_at_once_claim_each_item_once(clock, tenant_a, owner_mobile):
    message = OfficeMessageFactory(location=tenant_a.location, urgent=True)
    clock.shift(dt.timedelta(minutes=20))
    # The claim is a conditional UPDATE: a sweep that lost the race finds escalated_at set.
    OfficeMessage.objects.filter(pk=message.pk).update(escalated_at=timezone.now())
    assert urgent.urgent_escalate_due() == 0
    assert Notification.objects.filter(kind="urgent_escalation").count() == 0


def test_the_texted_got_it_link_acknowledges_as_its_owner(
    client, clock, tenant_a, owner_mobile, django_capture_on_commit_callbacks
):
    message = OfficeMessageFactory(location=tenant_a.location, urgent=True, caller_name="Una Urgent")
    clock.shift(dt.timedelta(minutes=16))
    with django_capture_on_commit_callbacks(execute=True):
        urgent.urgent_escalate_due()
    link = sms.outbox[0].body.rsplit(" ", 1)[-1]
    path = link.split("127.0.0.1:8000", 1)[-1] if "127.0.0.1:8000" in link else "/" + link.split("/", 3)[-1]

    shown = client.get(path)  # a link preview: nothing changes
    assert shown.status_code == 200 and "Una Urgent" in shown.content.decode()
    message.refresh_from_db()
    assert message.acknowledged_at is None

    done = client.post(path)
    assert done.status_code == 200
    message.refresh_from_db()
    assert (message.acknowledged_by_id, message.acknowledged_channel) == (tenant_a.owner.pk, "sms_link")
    assert "from a text message link" in done.content.decode()

    assert client.get(path[:-3] + "xx/").status_code == 410  # tampered


def test_a_got_it_link_is_refused_once_its_user_left_the_location(client, tenant_a):
    same_day = SameDayRequestFactory(location=tenant_a.location)
    path = "/" + urgent.got_it_url(item=same_day, user=tenant_a.manager).split("/", 3)[-1]
    tenant_a.manager.memberships.all().delete()
    assert client.post(path).status_code == 410
    same_day.refresh_from_db()
    assert same_day.acknowledged_at is None


def test_an_urgent_message_stays_until_called_back_with_a_note(tenant_a):
    message = OfficeMessageFactory(location=tenant_a.location, urgent=True, caller_name="Una Urgent")
    owner = login(tenant_a.owner)
    owner.get(f"/messages/{message.pk}/")  # read it
    assert "Una Urgent" in owner.get("/dashboard/").content.decode()
    assert owner.get("/live/").json()["urgent_messages"] == 1

    response = owner.post(f"/messages/{message.pk}/called-back/", {"note": "Rescheduled her visit"}, **HTMX)
    assert response.status_code == 200 and "Called back" in response.content.decode()
    message.refresh_from_db()
    assert message.handled_by == tenant_a.owner and message.handled_note == "Rescheduled her visit"
    assert message.acknowledged_by == tenant_a.owner  # calling back implies "Got it"
    assert f"/messages/{message.pk}/called-back/" not in owner.get("/dashboard/").content.decode()
    assert owner.get("/live/").json()["urgent_messages"] == 0


def test_the_owner_sets_their_own_mobile_in_settings(tenant_a):
    owner = login(tenant_a.owner)
    url = f"/settings/{tenant_a.location.pk}/mobile/"
    assert owner.post(url, {"mobile": "(917) 555-0123"}).status_code == 302
    tenant_a.owner.refresh_from_db()
    assert tenant_a.owner.mobile == "+19175550123"
    assert "(917) 555-0123" in owner.get(f"/settings/{tenant_a.location.pk}/").content.decode()
    refused = owner.post(url, {"mobile": "555-12"})
    assert refused.status_code == 400 and "not a valid phone number" in refused.content.decode()
    assert login(tenant_a.manager).post(url, {"mobile": "(917) 555-0199"}).status_code == 403
