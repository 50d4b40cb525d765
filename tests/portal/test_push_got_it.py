"""The push's "Got it" button (issue #11 "Acknowledge and escalate"): a push about an urgent office
message or a same-day request carries a signed got-it link for its device's user; the service
worker POSTs it with no cookie and no CSRF token (the token is the credential: one item, one user,
the push channel, expiring); a tap on the notification opens the item's page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from accounts.permissions import SYSTEM
from conflicts.models import SameDayRequest
from messaging.models import OfficeMessage
from messaging.services import office_message_create
from notifications.models import Notification
from portal import urgent
from tests.factories import OfficeMessageFactory, SameDayRequestFactory

pytestmark = pytest.mark.django_db


def take_urgent_message(location) -> OfficeMessage:
    return office_message_create(
        location=location,
        actor=SYSTEM,
        caller_name="Pat Caller",
        callback_number="+13475550199",
        category="existing_customer",
        urgent=True,
        body="Caregiver did not show up this morning.",
    )


def payload_for(push_service, subscription, device) -> dict:
    [request] = push_service.requests_to(subscription)
    return device.decrypt(request)


def service_worker_post(url: str):
    """What sw.js does: a POST with no session cookie and no CSRF token."""
    return Client(enforce_csrf_checks=True).post(url, HTTP_ACCEPT="application/json")


def test_an_urgent_message_push_carries_got_it_and_the_worker_post_acknowledges_once(
    clock, tenant_a, vapid, push_service, subscribe, django_capture_on_commit_callbacks
):
    phone, device = subscribe(tenant_a.owner, "owner-phone")
    with django_capture_on_commit_callbacks(execute=True):
        message = take_urgent_message(tenant_a.location)
    payload = payload_for(push_service, phone, device)
    assert payload["url"] == message.get_absolute_url()  # a tap opens the item's page
    [action] = payload["actions"]
    assert action["action"] == "got-it" and action["title"] == "Got it"
    assert action["url"].startswith("/got-it/") and action["url"].endswith("/push/")
    assert action["page"] == action["url"].removesuffix("push/")  # the link's own page, if the POST fails

    response = service_worker_post(action["url"])
    assert response.status_code == 200, response.content
    assert response.json()["acknowledged"] is True
    assert response.json()["detail"].startswith(f"Got it: {tenant_a.owner}")
    assert response.json()["detail"].endswith("from a push notification")
    message.refresh_from_db()
    assert (message.acknowledged_by_id, message.acknowledged_channel) == (tenant_a.owner.pk, "push")
    first_at = message.acknowledged_at

    clock.shift(dt.timedelta(minutes=2))
    again = service_worker_post(action["url"])
    assert again.status_code == 200 and again.json()["acknowledged"] is False
    message.refresh_from_db()
    assert message.acknowledged_at == first_at


def test_a_same_day_request_push_carries_got_it_too(
    tenant_a, vapid, push_service, subscribe, django_capture_on_commit_callbacks
):
    phone, device = subscribe(tenant_a.manager)
    same_day = SameDayRequestFactory(location=tenant_a.location)
    notification = _push_row_for(same_day, phone)
    [action] = urgent.push_actions(notification)
    assert service_worker_post(action["url"]).status_code == 200
    same_day.refresh_from_db()
    assert (same_day.acknowledged_by_id, same_day.acknowledged_channel) == (tenant_a.manager.pk, "push")


def _push_row_for(item, subscription) -> Notification:
    """The push row of `item` for one device, unsaved."""
    kind = "office_message" if isinstance(item, OfficeMessage) else "same_day_request"
    return Notification(  # as the outbox writes it (only its kind, device and subject are read)
        location=item.location,
        kind=kind,
        channel="push",
        recipient=subscription.user.email,
        push_subscription=subscription,
        idempotency_key=f"test:{kind}:{item.pk}:{subscription.pk}",
        subject_id=item.pk,
        link=item.get_absolute_url(),
    )


def test_no_got_it_for_a_viewer_a_handled_or_acknowledged_item_or_other_kinds(tenant_a, vapid, push_service, subscribe):
    viewer_phone, _ = subscribe(tenant_a.viewer)
    owner_phone, _ = subscribe(tenant_a.owner)
    message = OfficeMessageFactory(location=tenant_a.location, urgent=True)
    assert urgent.push_actions(_push_row_for(message, viewer_phone)) == []  # a viewer reads, does not acknowledge
    assert len(urgent.push_actions(_push_row_for(message, owner_phone))) == 1

    urgent.urgent_acknowledge(item=message, actor=tenant_a.manager, channel="portal")
    assert urgent.push_actions(_push_row_for(message, owner_phone)) == []  # someone already said it
    calm = OfficeMessageFactory(location=tenant_a.location, urgent=False)
    assert urgent.push_actions(_push_row_for(calm, owner_phone)) == []
    answered = SameDayRequestFactory(location=tenant_a.location, status=SameDayRequest.Status.DECLINED)
    assert urgent.push_actions(_push_row_for(answered, owner_phone)) == []
    conflict_push = _push_row_for(message, owner_phone)
    conflict_push.kind = "conflict_raised"
    assert urgent.push_actions(conflict_push) == []


def test_the_push_endpoint_takes_only_a_valid_push_link(clock, tenant_a):
    message = OfficeMessageFactory(location=tenant_a.location, urgent=True)
    push_token = urgent.got_it_token(item=message, user=tenant_a.owner, channel="push")
    sms_token = urgent.got_it_token(item=message, user=tenant_a.owner, channel="sms_link")
    url = lambda token: reverse("got_it_push", args=[token])  # noqa: E731

    refused = {
        "a text's link": service_worker_post(url(sms_token)),
        "a tampered link": service_worker_post(url(push_token[:-2] + "xx")),
        "garbage": service_worker_post(url("m.1.1.p")),
    }
    for name, response in refused.items():
        assert response.status_code == 410 and response.json()["detail"], name
    assert Client().get(url(push_token)).status_code == 405  # link scanners only GET: nothing happens

    clock.shift(dt.timedelta(seconds=urgent.LINK_MAX_AGE + 1))
    expired = service_worker_post(url(push_token))
    assert expired.status_code == 410 and "expired" in expired.json()["detail"]
    message.refresh_from_db()
    assert message.acknowledged_at is None


def test_a_push_link_of_someone_who_left_the_location_is_refused(tenant_a):
    same_day = SameDayRequestFactory(location=tenant_a.location)
    token = urgent.got_it_token(item=same_day, user=tenant_a.manager, channel="push")
    tenant_a.location.memberships.filter(user=tenant_a.manager).delete()
    response = service_worker_post(reverse("got_it_push", args=[token]))
    assert response.status_code == 410 and "no longer valid" in response.json()["detail"]
    same_day.refresh_from_db()
    assert same_day.acknowledged_at is None


def test_the_service_worker_shows_the_buttons_and_posts_without_a_cookie(client):
    body = client.get("/sw.js").content.decode()
    assert "actions: actions.map" in body  # the buttons are shown
    assert 'credentials: "omit"' in body  # the token, not a session, is the credential
    assert "openPage(sameOrigin(data.url).href)" in body  # a tap opens the item's page
