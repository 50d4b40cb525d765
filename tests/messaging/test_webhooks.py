"""Twilio webhooks: signatures, replays, STOP/START, redaction, broadcast replies, status callbacks."""

from __future__ import annotations

import pytest

from accounts.permissions import SYSTEM
from messaging.models import SmsMessage
from notifications.models import Notification, SmsOptOut
from notifications.webhooks import twilio_signature
from tests.factories import LeadFactory, NotificationFactory

pytestmark = pytest.mark.django_db
SMS_URL = "/webhooks/twilio/sms/"
STATUS_URL = "/webhooks/twilio/status/"


def post(client, url, params, signature="valid"):
    headers = {}
    if signature == "valid":
        headers["HTTP_X_TWILIO_SIGNATURE"] = twilio_signature(url, params)
    elif signature:
        headers["HTTP_X_TWILIO_SIGNATURE"] = signature
    return client.post(url, params, **headers)


def inbound(sid="SM1", body="Yes texting is better", from_="+13475550001", to="+17185550190"):
    return {"MessageSid": sid, "From": from_, "To": to, "Body": body, "AccountSid": "AC123"}


@pytest.fixture
def lead(brooklyn):
    return LeadFactory(location=brooklyn, phone="+13475550001")


def test_valid_signature_threads_the_text_on_the_lead(client, lead):
    response = post(client, SMS_URL, inbound())
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    message = SmsMessage.objects.get()
    assert (message.lead, message.location, message.direction, message.body) == (
        lead,
        lead.location,
        "inbound",
        "Yes texting is better",
    )


def test_a_reply_from_the_lead_is_a_contact_that_stops_the_sequence(client, lead):
    from django.utils import timezone

    lead.__class__.objects.filter(pk=lead.pk).update(contact_next_run_at=timezone.now())
    post(client, SMS_URL, inbound())
    lead.refresh_from_db()
    assert lead.contacted_at is not None and lead.contact_next_run_at is None


def test_stop_is_not_a_contact(client, lead):
    post(client, SMS_URL, inbound(body="STOP"))
    lead.refresh_from_db()
    assert lead.contacted_at is None


@pytest.mark.parametrize("signature", [None, "wrong-signature"])
def test_missing_or_wrong_signature_is_403(client, lead, signature):
    response = post(client, SMS_URL, inbound(), signature=signature)
    assert response.status_code == 403
    assert SmsMessage.objects.count() == 0
    response = post(client, STATUS_URL, {"MessageSid": "SMx", "MessageStatus": "delivered"}, signature=signature)
    assert response.status_code == 403


def test_signature_is_checked_against_public_base_url_not_the_request_host(client, lead, settings):
    params = inbound()
    signature = twilio_signature(SMS_URL, params)
    settings.PUBLIC_BASE_URL = "https://portal.example.com"  # behind a TLS proxy: Twilio signed this URL
    assert client.post(SMS_URL, params, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 403
    assert post(client, SMS_URL, params).status_code == 200


def test_a_replayed_message_sid_stores_no_new_row(client, lead):
    assert post(client, SMS_URL, inbound(sid="SMreplay")).status_code == 200
    assert post(client, SMS_URL, inbound(sid="SMreplay")).status_code == 200
    assert SmsMessage.objects.filter(message_sid="SMreplay").count() == 1


def test_card_numbers_are_redacted_before_storing_and_the_sender_is_told(client, lead):
    body = "my card is 4111 1111 1111 1111 exp 12/27, and 4111-1111-1111-1112 is not one"
    response = post(client, SMS_URL, inbound(body=body))
    stored = SmsMessage.objects.get()
    assert "4111 1111 1111 1111" not in stored.body and "[card number removed]" in stored.body
    assert "4111-1111-1111-1112" in stored.body  # fails Luhn: not a card number
    assert stored.redacted
    assert b"never take card or other payment details by text" in response.content


def test_stop_then_a_send_is_suppressed_without_provider_call(
    client, lead, fake_twilio, django_capture_on_commit_callbacks
):
    from messaging.services import send_lead_sms

    post(client, SMS_URL, inbound(sid="SMstop", body="STOP"))
    lead.refresh_from_db()
    assert lead.sms_opted_out and SmsOptOut.objects.get(number=lead.phone).opted_out
    message = send_lead_sms(lead=lead, body="Are you still interested?", actor=SYSTEM)
    assert message.notification.status == Notification.Status.SUPPRESSED
    assert fake_twilio.stats()["create_calls"] == 0
    post(client, SMS_URL, inbound(sid="SMstart", body="start"))
    lead.refresh_from_db()
    assert not lead.sms_opted_out
    with django_capture_on_commit_callbacks(execute=True):
        message = send_lead_sms(lead=lead, body="Welcome back", actor=SYSTEM)
    message.notification.refresh_from_db()
    assert message.notification.status == Notification.Status.SENT
    assert fake_twilio.stats()["total"] == 1


def test_the_broadcast_number_does_not_accept_replies(client, brooklyn, settings):
    response = post(client, SMS_URL, inbound(to=settings.TWILIO_BROADCAST_SENDER, body="ok thanks"))
    assert b"This number does not accept replies" in response.content
    assert SmsMessage.objects.count() == 0


def test_stop_and_start_to_the_broadcast_number_are_recorded_and_honoured(client, brooklyn, settings):
    from notifications import delivery, sms

    number = brooklyn.sms_distribution_list[0]
    response = post(client, SMS_URL, inbound(from_=number, to=settings.TWILIO_BROADCAST_SENDER, body="Stop"))
    assert b"does not accept replies" not in response.content
    assert SmsOptOut.objects.get(number=number).opted_out
    row = NotificationFactory(location=brooklyn, recipient=number)
    assert delivery.notification_send(notification_id=row.pk) == "suppressed"
    assert sms.outbox == []
    post(client, SMS_URL, inbound(sid="SM2", from_=number, to=settings.TWILIO_BROADCAST_SENDER, body="START"))
    assert not SmsOptOut.objects.get(number=number).opted_out


@pytest.mark.parametrize("twilio_status", ["delivered", "undelivered", "failed"])
def test_status_callback_updates_the_notification(client, tenant_a, twilio_status):
    row = NotificationFactory(location=tenant_a.location, status="sent", provider_id="SMabc")
    params = {"MessageSid": "SMabc", "MessageStatus": twilio_status, "ErrorCode": "30003"}
    assert post(client, STATUS_URL, params).status_code == 204
    row.refresh_from_db()
    assert row.status == twilio_status


def test_outbound_text_with_a_card_number_is_refused(lead):
    from django.core.exceptions import ValidationError

    from messaging.services import send_lead_sms

    with pytest.raises(ValidationError) as error:
        send_lead_sms(lead=lead, body="Your card 5555 5555 5555 4444 was charged", actor=SYSTEM)
    assert "never take card" in str(error.value)
    assert Notification.objects.count() == 0 and SmsMessage.objects.count() == 0


def test_a_status_callback_that_beats_the_sends_answer_is_not_lost(client, tenant_a, monkeypatch):
    from notifications import delivery, sms

    row = NotificationFactory(location=tenant_a.location)
    send = sms.LocmemBackend.send

    def twilio_calls_back_before_answering(self, **kwargs):
        sid = send(self, **kwargs)
        assert post(client, STATUS_URL, {"MessageSid": sid, "MessageStatus": "delivered"}).status_code == 204
        return sid

    monkeypatch.setattr(sms.LocmemBackend, "send", twilio_calls_back_before_answering)
    assert delivery.notification_send(notification_id=row.pk) == "sent"
    row.refresh_from_db()
    assert row.status == Notification.Status.DELIVERED and row.provider_id.startswith("SMlocmem")


@pytest.mark.parametrize("to", ["location", "broadcast"])
def test_a_redelivered_stop_after_start_changes_nothing(client, lead, settings, to):
    number = lead.location.phone_numbers.get().number if to == "location" else settings.TWILIO_BROADCAST_SENDER
    stop = inbound(sid="SMstop", body="STOP", to=number)
    post(client, SMS_URL, stop)
    post(client, SMS_URL, inbound(sid="SMstart", body="START", to=number))
    assert post(client, SMS_URL, stop).status_code == 200  # Twilio redelivers the STOP
    lead.refresh_from_db()
    assert not SmsOptOut.objects.get(number=lead.phone).opted_out and not lead.sms_opted_out


def test_receipts_are_forgotten_once_no_replay_can_use_them(settings):
    from datetime import timedelta

    from django.utils import timezone

    from notifications.models import WebhookReceipt
    from notifications.tasks import prune_webhook_receipts

    now = timezone.now()
    for source, key, age in [
        ("mailgun", "old-token", timedelta(hours=1)),
        ("mailgun", "fresh-token", timedelta(minutes=1)),
        ("twilio-sms", "SMold", timedelta(days=31)),
        ("twilio-sms", "SMweek", timedelta(days=7)),
    ]:
        WebhookReceipt.objects.create(source=source, key=key, received_at=now - age)
    assert prune_webhook_receipts() == 2
    assert set(WebhookReceipt.objects.values_list("key", flat=True)) == {"fresh-token", "SMweek"}


def test_mms_media_urls_are_kept_on_the_message_and_shown(client, lead, tenant_a, agent):
    from tests.conftest import token_client

    media = "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages/MM1/Media/ME1"
    params = {
        **inbound(sid="MM1", body="Here is the leak"),
        "NumMedia": "2",
        "MediaUrl0": media,
        "MediaContentType0": "image/jpeg",
        "MediaUrl1": "javascript:alert(1)",  # not a web URL: not kept
        "MediaContentType1": "text/html",
    }
    assert post(client, SMS_URL, params).status_code == 200
    message = SmsMessage.objects.get(message_sid="MM1")
    assert message.media == [{"url": media, "content_type": "image/jpeg"}]
    thread = token_client(agent).get(f"/api/v1/leads/{lead.pk}/sms/").json()["results"]
    assert [m["media"] for m in thread] == [[{"url": media, "content_type": "image/jpeg"}]]
    client.force_login(tenant_a.owner)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert f'href="{media}"' in page and "javascript:" not in page


def test_a_reply_to_a_messaging_service_broadcast_gets_the_no_replies_answer(client, brooklyn, settings, caplog):
    settings.TWILIO_BROADCAST_SENDER = "MG" + "a" * 32  # broadcasts go out through a Messaging Service
    params = {**inbound(to="+18885550123", body="ok thanks"), "MessagingServiceSid": settings.TWILIO_BROADCAST_SENDER}
    response = post(client, SMS_URL, params)  # To: one of the service's numbers
    assert b"This number does not accept replies" in response.content
    assert "unknown number" not in caplog.text
    stop = {**params, "MessageSid": "SMstop", "Body": "STOP", "From": brooklyn.sms_distribution_list[0]}
    assert b"does not accept replies" not in post(client, SMS_URL, stop).content
    assert SmsOptOut.objects.get(number=brooklyn.sms_distribution_list[0]).opted_out


@pytest.mark.parametrize(
    "url, params",
    [
        (SMS_URL, inbound(sid="SM" + "f" * 10_000)),
        (SMS_URL, inbound(sid="SM 1; DROP")),
        (SMS_URL, inbound(from_="+1" + "3" * 10_000)),
        (STATUS_URL, {"MessageSid": "SM" + "f" * 10_000, "MessageStatus": "delivered"}),
    ],
)
def test_signed_posts_with_impossible_sids_or_numbers_are_400_not_500(client, lead, url, params):
    assert post(client, url, params).status_code == 400
    assert SmsMessage.objects.count() == 0


@pytest.mark.parametrize("sender", ["12345", "ACME Alerts", ""])
@pytest.mark.parametrize("body", ["STOP", "Your code is 1234"])
def test_a_text_from_a_short_code_or_alphanumeric_sender_is_stored_not_a_500(client, lead, sender, body):
    """Not a phone number: no lead to thread it on, no opt-out to record, but no 500."""
    assert post(client, SMS_URL, inbound(sid="SMshort", from_=sender, body=body)).status_code == 200
    (message,) = SmsMessage.objects.all()
    assert (message.from_number, message.lead, message.body) == (sender, None, body)
    assert SmsOptOut.objects.count() == 0
