"""Web Push as an outbox channel (issue #11 "Installable and push"): one encrypted, VAPID-signed
push per device of the Location's users, exactly once; 404/410 removes the device; 429/5xx retry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.permissions import SYSTEM
from messaging.services import office_message_create
from notifications.delivery import notification_send
from notifications.models import Notification, PushSubscription
from notifications.tasks import send_notification
from tests.conftest import make_tenant
from tests.factories import LeadFactory, MembershipFactory

from .conftest import verify_vapid

pytestmark = pytest.mark.django_db


def take_message(location, *, urgent=True):
    return office_message_create(
        location=location,
        actor=SYSTEM,
        caller_name="Pat Caller",
        callback_number="+13475550199",
        category="existing_customer",
        urgent=urgent,
        body="Caregiver did not show up this morning.",
    )


def pushes(**filters):
    return Notification.objects.filter(channel="push", **filters)


def test_an_urgent_message_reaches_each_device_encrypted_and_signed(
    tenant_a, vapid, push_service, subscribe, django_capture_on_commit_callbacks
):
    phone, phone_keys = subscribe(tenant_a.owner, "owner-phone")
    laptop, laptop_keys = subscribe(tenant_a.owner, "owner-laptop")
    managers, managers_keys = subscribe(tenant_a.manager, "manager-phone")
    with django_capture_on_commit_callbacks(execute=True):
        message = take_message(tenant_a.location)

    assert len(push_service.received) == 3
    for subscription, device in ((phone, phone_keys), (laptop, laptop_keys), (managers, managers_keys)):
        [request] = push_service.requests_to(subscription)
        assert request.headers["content-encoding"] == "aes128gcm"
        assert request.headers["ttl"] == str(12 * 3600) and request.headers["urgency"] == "high"
        claims = verify_vapid(request.headers["authorization"], vapid["public_key"], push_service.url)
        assert claims["sub"] == "mailto:ops@pronexis.example"
        payload = device.decrypt(request)
        # The owner's and manager's devices get a "Got it" button (tests/portal/test_push_got_it.py).
        assert [action["title"] for action in payload.pop("actions")] == ["Got it"]
        assert payload == {
            "title": "Urgent message from Pat Caller",
            "body": f"{tenant_a.location.name} · callback +13475550199. Caregiver did not show up this morning.",
            "url": message.get_absolute_url(),
            "tag": f"office_message:{message.pk}",
        }
    rows = pushes(subject_id=message.pk)
    assert sorted(rows.values_list("status", flat=True)) == ["sent"] * 3
    assert set(rows.values_list("recipient", flat=True)) == {tenant_a.owner.email, tenant_a.manager.email}
    phone.refresh_from_db()
    assert phone.last_success_at is not None


def test_each_device_gets_the_push_exactly_once_even_when_the_task_runs_twice(
    tenant_a, vapid, push_service, subscribe, django_capture_on_commit_callbacks
):
    subscription, device = subscribe(tenant_a.owner)
    with django_capture_on_commit_callbacks(execute=True):
        message = take_message(tenant_a.location)
    row = pushes(subject_id=message.pk).get()
    assert send_notification(row.pk) == "not-claimed"  # a redelivered task, a second worker
    assert notification_send(notification_id=row.pk) == "not-claimed"
    assert len(push_service.requests_to(subscription)) == 1
    # The same cause again (a retried request with the same idempotency key) queues nothing new.
    from notifications.outbox import notify_location

    with django_capture_on_commit_callbacks(execute=True):
        notify_location(
            location=tenant_a.location,
            kind="office_message",
            subject=message,
            context={"message": message},
            idempotency_key=f"office_message:{message.pk}",
            push=True,
        )
    assert pushes(subject_id=message.pk).count() == 1 and len(push_service.received) == 1


def test_who_is_paged_the_locations_members_only(tenant_a, tenant_b, vapid, push_service, subscribe, agent):
    mine = [subscribe(tenant_a.owner)[0], subscribe(tenant_a.manager)[0], subscribe(tenant_a.viewer)[0]]
    subscribe(tenant_a.brand_user)  # brand leadership reads many Locations: not paged for each
    subscribe(tenant_b.owner)  # another tenant
    subscribe(agent)
    gone = MembershipFactory(location=tenant_a.location, role="manager").user
    subscribe(gone)
    gone.is_active = False
    gone.save()
    take_message(tenant_a.location)
    assert set(pushes().values_list("push_subscription", flat=True)) == {s.pk for s in mine}


def test_a_message_that_is_not_urgent_is_not_pushed(tenant_a, vapid, push_service, subscribe):
    subscribe(tenant_a.owner)
    take_message(tenant_a.location, urgent=False)
    assert not pushes().exists() and push_service.received == []


def test_no_vapid_keys_no_push(tenant_a, push_service, subscribe, settings):
    settings.VAPID_PRIVATE_KEY = settings.VAPID_PUBLIC_KEY = ""
    subscribe(tenant_a.owner)
    take_message(tenant_a.location)
    assert not pushes().exists()


def test_conflicts_raised_and_same_day_requests_are_pushed(
    tenant_a, vapid, push_service, subscribe, agent_api, django_capture_on_commit_callbacks
):
    subscription, device = subscribe(tenant_a.owner)
    lead = LeadFactory(location=tenant_a.location, first_name="Dana", last_name="Reyes")
    now = timezone.now().replace(microsecond=0)
    conflict = {
        "lead": lead.pk,
        "kind": "schedule",
        "requested_start": (now + dt.timedelta(days=2)).isoformat(),
        "requested_end": (now + dt.timedelta(days=2, hours=1)).isoformat(),
        "requested_meeting_type": "client_home",
        "requested_address": "5 Pine St",
    }
    same_day = {
        "lead": LeadFactory(location=tenant_a.location, first_name="Sam").pk,
        "requested_start": (now + dt.timedelta(hours=3)).isoformat(),
        "requested_end": (now + dt.timedelta(hours=4)).isoformat(),
        "meeting_type": "office",
    }
    with django_capture_on_commit_callbacks(execute=True):
        raised = agent_api.post("/api/v1/conflicts/", conflict, format="json")
        requested = agent_api.post("/api/v1/same-day-requests/", same_day, format="json")
    assert raised.status_code == 201 and requested.status_code == 201, (raised.json(), requested.json())
    first, second = (device.decrypt(request) for request in push_service.requests_to(subscription))
    assert first["title"] == "Schedule conflict: Dana R." and first["url"] == f"/conflicts/{raised.json()['id']}/"
    assert "approve, decline or suggest another time" in first["body"]
    assert second["title"] == "Same-day request: Sam " + same_day_initial(same_day["lead"])
    assert second["tag"] == f"same_day_request:{requested.json()['id']}"
    assert pushes(status="sent").count() == 2


def same_day_initial(lead_id) -> str:
    from leads.models import Lead

    return Lead.objects.get(pk=lead_id).last_name[:1] + "."


@pytest.mark.parametrize("answer", [404, 410])
def test_a_device_the_push_service_no_longer_knows_is_removed_and_not_retried(
    answer, tenant_a, vapid, push_service, subscribe, django_capture_on_commit_callbacks
):
    subscription, _ = subscribe(tenant_a.owner)
    kept, _ = subscribe(tenant_a.manager)
    push_service.status = answer
    with django_capture_on_commit_callbacks(execute=True):
        message = take_message(tenant_a.location)
    assert len(push_service.received) == 2
    assert not PushSubscription.objects.filter(pk=subscription.pk).exists()
    assert not PushSubscription.objects.filter(pk=kept.pk).exists()  # the same service said so for both
    rows = pushes(subject_id=message.pk)
    assert set(rows.values_list("status", flat=True)) == {"gone"}
    assert all(f"answered {answer}" in row.last_error for row in rows)
    # Not a failure the Action Center shows, and nothing left to retry.
    assert not rows.filter(status__in=Notification.FAILED_STATUSES).exists()
    assert rows.filter(status="queued").count() == 0


def test_a_row_whose_device_unsubscribed_before_sending_ends_gone(
    tenant_a, vapid, push_service, subscribe, django_capture_on_commit_callbacks
):
    subscription, _ = subscribe(tenant_a.owner)
    take_message(tenant_a.location)  # queued; its task not run
    row = pushes().get()
    subscription.delete()
    assert notification_send(notification_id=row.pk) == "gone"
    row.refresh_from_db()
    assert row.status == "gone" and push_service.received == []


@pytest.mark.parametrize("answer", [429, 500, 503])
def test_a_busy_or_failing_push_service_is_retried_later(
    answer, tenant_a, vapid, push_service, subscribe, django_capture_on_commit_callbacks, clock
):
    subscription, device = subscribe(tenant_a.owner)
    push_service.status = answer
    with django_capture_on_commit_callbacks(execute=True):
        take_message(tenant_a.location)
    row = pushes().get()
    assert row.status == "queued" and row.attempts == 1 and row.next_attempt_at > timezone.now()
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()
    assert notification_send(notification_id=row.pk) == "not-claimed"  # not before its backoff
    push_service.status = 201
    clock.shift(dt.timedelta(seconds=31))
    assert notification_send(notification_id=row.pk) == "sent"
    assert len(push_service.requests_to(subscription)) == 2
    assert device.decrypt(push_service.received[-1])["title"] == "Urgent message from Pat Caller"


def test_another_refusal_fails_the_row_without_retry(
    tenant_a, vapid, push_service, subscribe, django_capture_on_commit_callbacks
):
    subscribe(tenant_a.owner)
    push_service.status = 403  # e.g. a VAPID key the subscription was not made with
    with django_capture_on_commit_callbacks(execute=True):
        take_message(tenant_a.location)
    row = pushes().get()
    assert row.status == "failed" and "refused (403)" in row.last_error and len(push_service.received) == 1


def test_an_unreachable_push_service_is_retried(tenant_a, vapid, subscribe, django_capture_on_commit_callbacks):
    subscription, _ = subscribe(tenant_a.owner)
    PushSubscription.objects.filter(pk=subscription.pk).update(endpoint="http://127.0.0.1:9/push/closed")
    with django_capture_on_commit_callbacks(execute=True):
        take_message(tenant_a.location)
    row = pushes().get()
    assert row.status == "queued" and "could not be reached" in row.last_error


def test_a_push_endpoint_into_the_portals_network_is_refused_in_production(
    tenant_a, vapid, push_service, subscribe, settings, django_capture_on_commit_callbacks
):
    subscribe(tenant_a.owner)
    settings.PUSH_ALLOW_LOCAL_ENDPOINTS = False
    with django_capture_on_commit_callbacks(execute=True):
        take_message(tenant_a.location)
    row = pushes().get()
    assert row.status == "failed" and push_service.received == []


def test_second_tenant_is_paged_for_its_own_items_only(
    tenant_a, vapid, push_service, subscribe, django_capture_on_commit_callbacks
):
    other = make_tenant()
    mine, _ = subscribe(tenant_a.owner)
    theirs, _ = subscribe(other.owner)
    with django_capture_on_commit_callbacks(execute=True):
        take_message(other.location)
    assert push_service.requests_to(mine) == [] and len(push_service.requests_to(theirs)) == 1
