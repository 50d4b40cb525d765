"""The outbox: rows in the caller's transaction, idempotent keys, claim, retries, the sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from notifications import delivery, outbox, sms
from notifications.models import Notification
from tests.factories import NotificationFactory, OfficeMessageFactory

pytestmark = pytest.mark.django_db
S = Notification.Status


def _notify(location, key="k1"):
    message = OfficeMessageFactory(location=location, caller_name="Dana Caller", urgent=True)
    outbox.notify_location(
        location=location, kind="office_message", subject=message, context={"message": message}, idempotency_key=key
    )
    return message


def test_every_email_to_a_location_is_followed_by_one_sms_per_distribution_number(
    brooklyn, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = _notify(brooklyn)
    rows = Notification.objects.order_by("channel", "recipient")
    assert [(n.channel, n.recipient, n.status) for n in rows] == [
        ("email", "office@a.example", "sent"),
        ("email", "owner@a.example", "sent"),
        ("sms", "+19175550103", "sent"),
        ("sms", "+19175550104", "sent"),
    ]
    assert len(mail.outbox) == 2
    email = mail.outbox[0]
    assert email.subject.startswith("URGENT: Message from Dana Caller")
    assert email.alternatives and email.alternatives[0][1] == "text/html"  # text + HTML
    assert f"/messages/{message.pk}/" in email.body
    assert [t.to for t in sms.outbox] == ["+19175550103", "+19175550104"]
    for text, row in zip(sms.outbox, rows[2:], strict=True):
        assert f"/n/{row.short_code}/" in text.body  # the short link to the portal page
        assert text.sender == "+18885550199"  # the broadcast sender
        assert row.link == f"/messages/{message.pk}/"


def test_no_sms_when_the_distribution_list_is_off(brooklyn, django_capture_on_commit_callbacks):
    brooklyn.sms_distribution_enabled = False
    brooklyn.save()
    with django_capture_on_commit_callbacks(execute=True):
        _notify(brooklyn)
    assert set(Notification.objects.values_list("channel", flat=True)) == {"email"}
    assert sms.outbox == []


def test_the_same_idempotency_key_queues_nothing_new(brooklyn, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _notify(brooklyn, key="same")
        _notify(brooklyn, key="same")
    assert Notification.objects.count() == 4
    assert len(mail.outbox) == 2 and len(sms.outbox) == 2


def test_rows_are_written_in_the_callers_transaction(brooklyn):
    with pytest.raises(RuntimeError), transaction.atomic():
        _notify(brooklyn)
        assert Notification.objects.count() == 4
        raise RuntimeError("the cause rolls back")
    assert Notification.objects.count() == 0


def test_nothing_is_sent_before_commit(brooklyn, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _notify(brooklyn)
    assert set(Notification.objects.values_list("status", flat=True)) == {"queued"}
    assert mail.outbox == [] and sms.outbox == []
    for callback in callbacks:
        callback()
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_claim_is_a_conditional_update_so_a_row_is_sent_once(tenant_a):
    row = NotificationFactory(location=tenant_a.location)
    assert delivery.notification_claim(notification_id=row.pk) is True
    assert delivery.notification_claim(notification_id=row.pk) is False
    assert delivery.notification_send(notification_id=row.pk) == "not-claimed"
    assert sms.outbox == []


@pytest.mark.parametrize("status", [429, 503])
def test_429_and_503_are_retried_with_backoff(tenant_a, fake_twilio, status):
    row = NotificationFactory(location=tenant_a.location)
    fake_twilio.inject(count=1, status=status)
    assert delivery.notification_send(notification_id=row.pk) == "retry"
    row.refresh_from_db()
    assert row.status == S.QUEUED and row.attempts == 1 and str(status) in row.last_error
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=20)  # backoff
    # (the eager retry ran at once and found the row not due: nothing sent twice)
    assert fake_twilio.stats()["total"] == 0
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert delivery.notification_send(notification_id=row.pk) == "sent"
    row.refresh_from_db()
    assert row.status == S.SENT and row.attempts == 2 and row.provider_id.startswith("SM")
    assert fake_twilio.stats()["total"] == 1


@pytest.mark.parametrize("code,status", [(21610, S.SUPPRESSED), (21211, S.FAILED)])
def test_opted_out_and_invalid_numbers_are_final(tenant_a, fake_twilio, code, status):
    from notifications.optouts import number_opted_out

    row = NotificationFactory(location=tenant_a.location)
    fake_twilio.inject(count=1, code=code)
    assert delivery.notification_send(notification_id=row.pk) == status
    row.refresh_from_db()
    assert row.status == status and str(code) in row.last_error
    assert number_opted_out(row.recipient) == (code == 21610)  # 21610 is an opt-out (issue #14)
    assert delivery.notification_send(notification_id=row.pk) == "not-claimed"


def test_gives_up_after_max_attempts(tenant_a, fake_twilio):
    row = NotificationFactory(location=tenant_a.location)
    fake_twilio.inject(count=20, status=503)
    for _ in range(delivery.MAX_ATTEMPTS):
        Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        delivery.notification_send(notification_id=row.pk)
    row.refresh_from_db()
    assert row.status == S.FAILED and "Gave up" in row.last_error


def test_sweep_reconciles_a_stuck_row_the_provider_already_sent(tenant_a, fake_twilio):
    """A worker died after Twilio accepted the text: found in the message list → sent, no resend."""
    row = NotificationFactory(location=tenant_a.location)
    sid = sms.get_backend().send(to=row.recipient, body=row.body, sender=row.sender)
    Notification.objects.filter(pk=row.pk).update(
        status=S.SENDING, claimed_at=timezone.now() - timedelta(minutes=10), attempts=1
    )
    report = delivery.sweep_stuck_notifications()
    row.refresh_from_db()
    assert report["unknown"] == 1 and report["reconciled"] == 1
    assert (row.status, row.provider_id) == (S.SENT, sid)
    assert fake_twilio.stats()["total"] == 1 and fake_twilio.stats()["list_calls"] == 1


def test_sweep_resends_a_stuck_row_the_provider_never_got(tenant_a, fake_twilio):
    row = NotificationFactory(location=tenant_a.location)
    Notification.objects.filter(pk=row.pk).update(
        status=S.SENDING, claimed_at=timezone.now() - timedelta(minutes=10), attempts=1
    )
    report = delivery.sweep_stuck_notifications()
    row.refresh_from_db()
    assert report["requeued"] == 1 and row.status == S.SENT
    assert fake_twilio.stats()["total"] == 1


def test_sweep_leaves_recent_sending_rows_alone(tenant_a):
    row = NotificationFactory(location=tenant_a.location)
    Notification.objects.filter(pk=row.pk).update(status=S.SENDING, claimed_at=timezone.now())
    delivery.sweep_stuck_notifications()
    row.refresh_from_db()
    assert row.status == S.SENDING


def test_sweep_sends_queued_rows_whose_task_was_lost(tenant_a):
    old = NotificationFactory(location=tenant_a.location)
    fresh = NotificationFactory(location=tenant_a.location)
    Notification.objects.filter(pk=old.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=2))
    delivery.sweep_stuck_notifications()
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == (S.SENT, S.QUEUED)
    assert [t.body for t in sms.outbox] == [old.body]


def test_a_number_that_texted_stop_is_suppressed_without_a_provider_call(tenant_a, fake_twilio):
    from notifications.optouts import sms_opt_out_set

    row = NotificationFactory(location=tenant_a.location, recipient="+19175550777")
    sms_opt_out_set(number="+19175550777", opted_out=True)
    assert delivery.notification_send(notification_id=row.pk) == "suppressed"
    assert fake_twilio.stats()["create_calls"] == 0
    sms_opt_out_set(number="+19175550777", opted_out=False)
    row2 = NotificationFactory(location=tenant_a.location, recipient="+19175550777")
    assert delivery.notification_send(notification_id=row2.pk) == "sent"


def test_enqueue_failure_is_logged_not_raised(tenant_a, monkeypatch, caplog):
    from notifications import tasks

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.send_batch, "delay", broken)
    assert outbox.enqueue([1, 2]) == 0
    assert "the sweep will send it" in caplog.text


def test_notify_email_and_invitation_go_through_the_outbox(tenant_a, django_capture_on_commit_callbacks):
    from accounts.models import Invitation

    invitation = Invitation.objects.create(location=tenant_a.location, email="new@example.test", role="viewer")
    with django_capture_on_commit_callbacks(execute=True):
        outbox.notify_invitation(invitation=invitation, link="http://x/accept/")
    row = Notification.objects.get()
    assert (row.kind, row.channel, row.recipient, row.status) == ("invitation", "email", "new@example.test", "sent")
    assert mail.outbox[0].to == ["new@example.test"] and "http://x/accept/" in mail.outbox[0].body


def _stuck(row, minutes=10):
    Notification.objects.filter(pk=row.pk).update(
        status=S.SENDING, claimed_at=timezone.now() - timedelta(minutes=minutes), attempts=1
    )


def test_a_send_whose_answer_is_lost_becomes_unknown_and_is_found_not_resent(tenant_a, fake_twilio, settings):
    """Twilio accepts the text but answers after the client's timeout: not a blind retry. The
    text is still in Twilio's queue (no DateSent) when the reconciliation asks for it."""
    settings.TWILIO_HTTP_TIMEOUT = 0.5
    row = NotificationFactory(location=tenant_a.location)
    fake_twilio.inject(count=1, hang=60)  # released when the fake server stops
    assert delivery.notification_send(notification_id=row.pk) == S.UNKNOWN
    row.refresh_from_db()
    assert row.status == S.UNKNOWN and "no answer" in row.last_error
    # the reconciliation is due only after the grace (the eager task ran at once: not yet)
    assert delivery.notification_reconcile(notification_id=row.pk) == "not-due"
    (accepted,) = fake_twilio.messages
    assert accepted["status"] == "accepted" and accepted["date_sent"] is None
    report = delivery.sweep_stuck_notifications(unknown_grace=0)
    row.refresh_from_db()
    assert report["reconciled"] == 1 and report["requeued"] == 0
    assert (row.status, row.provider_id) == (S.SENT, accepted["sid"])
    assert fake_twilio.stats()["create_calls"] == 1  # the phone gets it once


def test_a_connection_that_never_opened_is_retried_not_unknown(tenant_a, settings):
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.SMS_BACKEND = "notifications.sms.TwilioBackend"
    settings.TWILIO_API_BASE_URL = f"http://127.0.0.1:{port}"  # nothing listens: the request never left
    row = NotificationFactory(location=tenant_a.location)
    assert delivery.notification_send(notification_id=row.pk) == "retry"
    row.refresh_from_db()
    assert row.status == S.QUEUED and "before sending" in row.last_error


def test_reconciliation_does_not_take_the_id_of_an_earlier_row_with_the_same_text(tenant_a, fake_twilio):
    first = NotificationFactory(location=tenant_a.location, body="Same words", recipient="+19175550123")
    assert delivery.notification_send(notification_id=first.pk) == S.SENT
    again = NotificationFactory(location=tenant_a.location, body="Same words", recipient="+19175550123")
    _stuck(again)  # its worker died before the request went out
    report = delivery.sweep_stuck_notifications()
    again.refresh_from_db()
    first.refresh_from_db()
    assert report["reconciled"] == 0 and report["requeued"] == 1
    assert again.status == S.SENT and again.provider_id not in ("", first.provider_id)
    assert fake_twilio.stats()["create_calls"] == 2


def test_a_status_callback_for_an_unknown_row_waits_for_the_reconciliation(client, tenant_a, fake_twilio):
    from notifications.webhooks import twilio_signature

    row = NotificationFactory(location=tenant_a.location)
    sid = sms.get_backend().send(to=row.recipient, body=row.body, sender=row.sender)
    _stuck(row)
    params = {"MessageSid": sid, "MessageStatus": "delivered"}
    url = "/webhooks/twilio/status/"
    assert client.post(url, params, HTTP_X_TWILIO_SIGNATURE=twilio_signature(url, params)).status_code == 204
    row.refresh_from_db()
    assert row.status == S.SENDING  # no row carries the id yet: the callback waits
    delivery.sweep_stuck_notifications()
    row.refresh_from_db()
    assert (row.status, row.provider_id) == (S.DELIVERED, sid)


def test_text_channels_are_not_html_escaped_but_html_parts_are(clock, brooklyn, django_capture_on_commit_callbacks):
    from tests.factories import AppointmentFactory, LeadFactory

    brooklyn.name = "Mary O'Neil & Co"
    brooklyn.save()
    lead = LeadFactory(location=brooklyn, first_name="Dana", last_name="D'Arcy <Sr>", phone="+13475550001")
    appointment = AppointmentFactory(location=brooklyn, lead=lead, meeting_type="client_home")
    context = {"appointment": appointment, "local_start": appointment.start.astimezone(brooklyn.zone)}
    with django_capture_on_commit_callbacks(execute=True):
        _notify(brooklyn, key="office")
        outbox.notify_location(
            location=brooklyn, kind="booking", subject=appointment, context=context, idempotency_key="booking"
        )
        outbox.notify_lead(
            lead=lead, kind="client_confirmation", subject=appointment, context=context, idempotency_key="confirm"
        )
    office, _, booking_text, _, confirmation = (text.body for text in sms.outbox)
    assert "for Mary O'Neil & Co." in office
    assert "New appointment: Dana D'Arcy <Sr>," in booking_text and "(At the client's home)" in booking_text
    assert confirmation.startswith("Mary O'Neil & Co: your appointment") and "(At the client's home)" in confirmation
    booking = next(email for email in mail.outbox if "Dana D'Arcy <Sr>" in email.subject)
    assert "Dana D'Arcy <Sr>" in booking.body and "&amp;" not in booking.body and "&#x27;" not in booking.body
    html = booking.alternatives[0][0]
    assert "D&#x27;Arcy &lt;Sr&gt;" in html and "D'Arcy <Sr>" not in html  # HTML stays escaped


def test_the_contact_sequence_intro_text_is_not_html_escaped(clock, brooklyn, django_capture_on_commit_callbacks):
    from leads.contact_sequence import _send_sms_intro
    from tests.factories import LeadFactory

    brooklyn.name = "Mary O'Neil & Co"
    brooklyn.save()
    lead = LeadFactory(location=brooklyn, phone="+13475550001")
    with django_capture_on_commit_callbacks(execute=True):
        _send_sms_intro(lead)
    (text,) = sms.outbox
    assert "this is Mary O'Neil & Co." in text.body and "reply here and we'll help" in text.body.lower()


def test_a_connection_reset_after_the_request_went_out_is_unknown_then_found(tenant_a, fake_twilio):
    row = NotificationFactory(location=tenant_a.location)
    fake_twilio.inject(count=1, reset=True)  # Twilio records the text, the answer never arrives
    assert delivery.notification_send(notification_id=row.pk) == S.UNKNOWN
    assert delivery.sweep_stuck_notifications(unknown_grace=0)["reconciled"] == 1
    row.refresh_from_db()
    (accepted,) = fake_twilio.messages
    assert (row.status, row.provider_id) == (S.SENT, accepted["sid"])
    assert fake_twilio.stats()["create_calls"] == 1
