"""Office messages: the API, the lead's owner_action, the inbox (fixed queries), the page, Action Center."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import SYSTEM
from messaging.models import MessageRead, OfficeMessage
from messaging.selectors import action_center_items
from notifications import sms
from notifications.models import Notification
from tests.clients import login
from tests.conftest import session_api, token_client
from tests.factories import LeadFactory, NotificationFactory, OfficeMessageFactory

pytestmark = pytest.mark.django_db


def payload(location, **extra):
    return {
        "location": location.pk,
        "caller_name": "Pat Caller",
        "callback_number": "(347) 555-0199",
        "category": "existing_customer",
        "urgent": True,
        "body": "Caregiver did not show up this morning.",
        **extra,
    }


def test_agent_takes_a_message_and_the_location_gets_email_and_sms(
    agent_api, brooklyn, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_api.post("/api/v1/messages/", payload(brooklyn), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["callback_number"] == "+13475550199" and data["urgent"] is True and data["id"]
    message = OfficeMessage.objects.get(pk=data["id"])
    assert len(mail.outbox) == 2 and len(sms.outbox) == 2
    assert Notification.objects.filter(subject_id=message.pk, status="sent").count() == 4


def test_a_message_about_a_lead_sets_it_owner_action_messaged(agent_api, brooklyn):
    lead = LeadFactory(location=brooklyn)
    response = agent_api.post("/api/v1/messages/", payload(brooklyn, lead=lead.pk, category="lead"), format="json")
    assert response.status_code == 201
    lead.refresh_from_db()
    assert (lead.status, lead.reason) == ("owner_action", "messaged")
    change = lead.status_changes.order_by("-id").first()
    assert (change.to_status, change.actor_kind) == ("owner_action", "agent")


def test_bad_input_is_400_per_field_and_writes_nothing(agent_api, brooklyn):
    response = agent_api.post(
        "/api/v1/messages/", payload(brooklyn, category="gossip", callback_number="123", extra=1), format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"extra"}
    response = agent_api.post(
        "/api/v1/messages/", payload(brooklyn, category="gossip", callback_number="123"), format="json"
    )
    assert response.status_code == 400 and set(response.json()) == {"category", "callback_number"}
    assert OfficeMessage.objects.count() == 0 and Notification.objects.count() == 0


def test_a_lead_of_another_location_is_refused(agent_api, brooklyn, tenant_b):
    lead = LeadFactory(location=tenant_b.location)
    response = agent_api.post("/api/v1/messages/", payload(brooklyn, lead=lead.pk), format="json")
    assert response.status_code == 400 and "lead" in response.json()
    assert OfficeMessage.objects.count() == 0


@pytest.mark.parametrize("role", ["owner", "manager", "viewer", "brand"])
def test_portal_users_may_not_take_messages(tenant_a, role):
    response = session_api(tenant_a.user(role)).post("/api/v1/messages/", payload(tenant_a.location), format="json")
    assert response.status_code == 403
    response = token_client(tenant_a.owner, "location").post(
        "/api/v1/messages/", payload(tenant_a.location), format="json"
    )
    assert response.status_code == 403


def test_broker_unreachable_the_message_is_still_taken_and_the_sweep_sends_it(
    agent_api, brooklyn, settings, django_capture_on_commit_callbacks, caplog
):
    """The enqueue after commit fails (broker down): caught and logged; the rows wait in the
    outbox; once the broker is back the sweep sends each exactly once."""
    from notifications import delivery
    from pronexis.celery import app

    saved = (app.conf.broker_url, app.conf.broker_connection_retry)
    app.conf.task_always_eager = False
    app.conf.broker_url = "redis://127.0.0.1:1/7"  # nothing listens there
    app.conf.broker_connection_retry = False
    app._pool = app.amqp._producer_pool = None
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = agent_api.post("/api/v1/messages/", payload(brooklyn), format="json")
    finally:
        app.conf.broker_url, app.conf.broker_connection_retry = saved
        app._pool = app.amqp._producer_pool = None
        app.conf.task_always_eager = True
    assert response.status_code == 201
    assert "the sweep will send it" in caplog.text
    assert set(Notification.objects.values_list("status", flat=True)) == {"queued"}
    assert mail.outbox == [] and sms.outbox == []
    report = delivery.sweep_stuck_notifications(queued_grace=0)  # the broker is back (eager here)
    assert report["enqueued"] == 4
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    delivery.sweep_stuck_notifications(queued_grace=0)
    assert len(mail.outbox) == 2 and len(sms.outbox) == 2


# --- the inbox ----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 50])
def test_inbox_runs_a_fixed_number_of_queries(tenant_a, count, django_assert_num_queries):
    OfficeMessageFactory.create_batch(count, location=tenant_a.location)
    client = login(tenant_a.owner)
    client.get("/messages/")  # warm the session
    # 1 session, 2 user, 3 is the user an agent (scoping), 4 the page of messages with their
    # location, lead and the user's read state, 5 the unread count, 6 switcher locations
    with django_assert_num_queries(6):
        response = client.get("/messages/?category=existing_customer&unread=on&q=visit")
    assert response.status_code == 200
    assert response.content.count(b'class="unread"') == min(count, 25)


def test_inbox_filters_search_and_cursor_pagination(tenant_a, tenant_b):
    location = tenant_a.location
    urgent = OfficeMessageFactory(location=location, urgent=True, caller_name="Urgent Ursula", category="employee")
    plain = OfficeMessageFactory.create_batch(30, location=location, caller_name="Plain Pete")
    OfficeMessageFactory(location=tenant_b.location, caller_name="Other Tenant")
    client = login(tenant_a.owner)
    page = client.get("/messages/").content.decode()
    assert "Other Tenant" not in page and "Older messages" in page
    assert client.get("/messages/?urgent=on").content.decode().count("Plain Pete") == 0
    assert "Urgent Ursula" in client.get("/messages/?category=employee").content.decode()
    assert "Urgent Ursula" not in client.get("/messages/?q=pete").content.decode()
    MessageRead.objects.create(user=tenant_a.owner, message=urgent)
    assert "Urgent Ursula" not in client.get("/messages/?unread=on").content.decode()
    # cursor: the second page holds the rest, no overlap
    from messaging.selectors import message_inbox

    first = message_inbox(messages=OfficeMessage.objects.filter(location=location), user=tenant_a.owner)
    second = message_inbox(
        messages=OfficeMessage.objects.filter(location=location), user=tenant_a.owner, cursor=first.next_cursor
    )
    ids = [m.pk for m in first.items + second.items]
    assert len(ids) == len(set(ids)) == 31 and second.next_cursor is None
    response = client.get(f"/messages/?cursor={first.next_cursor}", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"<html" not in response.content
    assert len(plain) == 30
    assert client.get("/messages/?cursor=garbage").status_code == 200


def test_read_state_is_per_user(tenant_a):
    message = OfficeMessageFactory(location=tenant_a.location)
    owner, manager = login(tenant_a.owner), login(tenant_a.manager)
    response = owner.get(reverse("message_detail", args=[message.pk]))
    assert response.status_code == 200
    assert MessageRead.objects.filter(user=tenant_a.owner, message=message).exists()
    assert b'class="unread"' not in owner.get("/messages/").content
    assert b'class="unread"' in manager.get("/messages/").content
    owner.post(reverse("message_mark_unread", args=[message.pk]))
    assert b'class="unread"' in owner.get("/messages/").content


def test_message_page_shows_its_delivery_history(tenant_a, django_capture_on_commit_callbacks):
    from messaging.services import office_message_create

    with django_capture_on_commit_callbacks(execute=True):
        message = office_message_create(
            location=tenant_a.location,
            actor=SYSTEM,
            caller_name="Hal",
            callback_number="+13475550100",
            category="other",
            body="hello",
        )
    Notification.objects.filter(subject_id=message.pk).update(status="failed", last_error="Twilio 400 error 21211")
    page = login(tenant_a.viewer).get(f"/messages/{message.pk}/").content.decode()
    assert "Delivery history" in page and "Failed" in page and "21211" in page
    assert tenant_a.location.notification_emails[0] in page


def test_short_link_goes_straight_to_the_page_after_login(tenant_a):
    message = OfficeMessageFactory(location=tenant_a.location)
    row = NotificationFactory(location=tenant_a.location, link=message.get_absolute_url())
    anonymous = Client().get(f"/n/{row.short_code}/")
    assert anonymous.status_code == 302 and "/accounts/login/?next=/n/" in anonymous["Location"]
    response = login(tenant_a.owner).get(f"/n/{row.short_code}/")
    assert response.status_code == 302 and response["Location"] == f"/messages/{message.pk}/"


def test_another_tenant_gets_404_on_message_and_short_link(tenant_a, tenant_b):
    message = OfficeMessageFactory(location=tenant_b.location)
    row = NotificationFactory(location=tenant_b.location, link=message.get_absolute_url())
    client = login(tenant_a.owner)
    assert client.get(f"/messages/{message.pk}/").status_code == 404
    assert client.get(f"/n/{row.short_code}/").status_code == 404


# --- the Action Center ----------------------------------------------------------------------
def test_action_center_lists_urgent_messages_not_called_back_and_failed_deliveries(
    tenant_a, tenant_b, django_assert_num_queries
):
    from accounts.models import Location

    urgent = OfficeMessageFactory(location=tenant_a.location, urgent=True, caller_name="Urgent Una")
    read = OfficeMessageFactory(location=tenant_a.location, urgent=True)
    MessageRead.objects.create(user=tenant_a.owner, message=read)  # read, not called back: stays
    OfficeMessageFactory(location=tenant_a.location, urgent=True, handled_at=timezone.now())
    OfficeMessageFactory(location=tenant_a.location, urgent=False)
    OfficeMessageFactory(location=tenant_b.location, urgent=True)
    failed = NotificationFactory(location=tenant_a.location, status="failed", last_error="Twilio 21211")
    NotificationFactory(location=tenant_a.location, status="undelivered")
    NotificationFactory(location=tenant_a.location, status="sent")
    NotificationFactory(location=tenant_b.location, status="failed")
    locations = Location.objects.visible_to(tenant_a.owner)
    with django_assert_num_queries(2):  # urgent messages not called back (with who said Got it); failed deliveries
        items = action_center_items(user=tenant_a.owner, locations_qs=locations)
    assert [m.pk for m in items["urgent_messages"]] == [read.pk, urgent.pk]
    assert failed.pk in [n.pk for n in items["failed_deliveries"]] and len(items["failed_deliveries"]) == 2
    page = login(tenant_a.owner).get("/dashboard/").content.decode()
    assert "Urgent Una" in page and "Failed deliveries" in page and "Twilio 21211" in page


def test_inbox_search_as_you_type_swaps_the_rows_and_folds_the_filters(tenant_a):
    OfficeMessageFactory(location=tenant_a.location, caller_name="Urgent Ursula", urgent=True)
    OfficeMessageFactory(location=tenant_a.location, caller_name="Plain Pete")
    client = login(tenant_a.owner)
    rows = client.get("/messages/?q=ursula", headers={"HX-Request": "true", "HX-Target": "message-rows"})
    html = rows.content.decode()
    assert "Urgent Ursula" in html and "Plain Pete" not in html
    assert "<tbody" not in html and 'role="search"' not in html  # rows only, swapped into the table body
    assert '<details class="filter-more">' in client.get("/messages/").content.decode()
    assert '<details class="filter-more" open>' in client.get("/messages/?urgent=on").content.decode()
