"""Sending the outbox in batches (notifications.batch, issue #17): one claim statement, texts
sent concurrently, results written in bulk, every rule of the single send kept."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg2
import pytest
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications import batch, delivery, outbox, rate_limit, sms, tasks
from notifications.consent import consent_record
from notifications.models import ConsentEvent, Notification
from notifications.optouts import sms_opt_out_set
from notifications.sms import SmsOutcomeUnknown, SmsPermanentError, SmsTemporaryError
from tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db
S = Notification.Status
NY = ZoneInfo("America/New_York")


def rows(location, count: int, **fields) -> list[Notification]:
    return [NotificationFactory(location=location, **fields) for _ in range(count)]


def test_enqueue_hands_the_rows_over_in_even_batches(settings, monkeypatch):
    settings.NOTIFICATION_BATCH_SIZE = 50
    published = []
    monkeypatch.setattr(tasks.send_batch, "delay", published.append)
    assert outbox.enqueue(range(130)) == 130
    assert [len(ids) for ids in published] == [44, 44, 42]  # not 50 + 50 + 30
    assert sorted(pk for ids in published for pk in ids) == list(range(130))


def test_a_batch_sends_each_text_once_with_the_same_queries_for_3_or_12(tenant_a):
    counts = []
    for size in (3, 12):
        ids = [row.pk for row in rows(tenant_a.location, size)]
        with CaptureQueriesContext(connection) as queries:
            outcomes = batch.notification_send_batch(notification_ids=ids)
        assert outcomes == dict.fromkeys(ids, S.SENT)
        counts.append(len(queries))
        sent = Notification.objects.filter(pk__in=ids)
        assert {(row.status, row.attempts) for row in sent} == {(S.SENT, 1)}
        assert {row.provider_id for row in sent} == {text.sid for text in sms.outbox[-size:]}
    # the claim returning the rows · the consent ledger · the results (savepoint, asynchronous
    # commit, one UPDATE, release) · status callbacks that came first
    assert counts == [7, 7]
    assert len(sms.outbox) == 15


def test_rows_not_queued_or_not_due_are_not_claimed(tenant_a):
    later = timezone.now() + timedelta(minutes=5)
    queued, sending, sent, not_due = rows(tenant_a.location, 4)
    Notification.objects.filter(pk=sending.pk).update(status=S.SENDING)
    Notification.objects.filter(pk=sent.pk).update(status=S.SENT)
    Notification.objects.filter(pk=not_due.pk).update(next_attempt_at=later)
    outcomes = batch.notification_send_batch(notification_ids=[queued.pk, sending.pk, sent.pk, not_due.pk, 0])
    assert outcomes == {
        queued.pk: S.SENT,
        sending.pk: "not-claimed",
        sent.pk: "not-claimed",
        not_due.pk: "not-claimed",
        0: "not-claimed",
    }
    assert [text.body for text in sms.outbox] == [queued.body]


@pytest.mark.django_db(transaction=True)
def test_a_row_another_worker_is_claiming_is_skipped_not_waited_for(tenant_a, settings):
    """FOR UPDATE SKIP LOCKED: a row locked by another claim is that claim's; this one goes on."""
    mine, theirs = rows(tenant_a.location, 2)
    db = settings.DATABASES["default"]
    other = psycopg2.connect(
        dbname=db["NAME"], host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"], password=db["PASSWORD"]
    )
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT id FROM messaging_notification WHERE id = %s FOR UPDATE", [theirs.pk])
            outcomes = batch.notification_send_batch(notification_ids=[mine.pk, theirs.pk])
    finally:
        other.rollback()
        other.close()
    assert outcomes == {mine.pk: S.SENT, theirs.pk: "not-claimed"}
    assert Notification.objects.get(pk=theirs.pk).status == S.QUEUED


def test_the_texts_of_a_batch_are_in_flight_at_once(tenant_a, monkeypatch):
    """Five sends that each wait for the other four: only concurrent sending gets them through."""
    all_in_flight = threading.Barrier(5)
    send = sms.LocmemBackend.send

    def waits_for_the_others(self, **kwargs):
        all_in_flight.wait(timeout=10)
        return send(self, **kwargs)

    monkeypatch.setattr(sms.LocmemBackend, "send", waits_for_the_others)
    ids = [row.pk for row in rows(tenant_a.location, 5)]
    assert set(batch.notification_send_batch(notification_ids=ids).values()) == {S.SENT}


def test_each_text_of_a_batch_follows_the_single_send_rules(tenant_a, monkeypatch):
    location = tenant_a.location
    by_number = {
        "+19175550101": SmsPermanentError("Twilio 400 error 21610: unsubscribed", code=21610, status=400),
        "+19175550102": SmsPermanentError("Twilio 400 error 21211: invalid", code=21211, status=400),
        "+19175550103": SmsTemporaryError("Twilio 503"),
        "+19175550104": SmsOutcomeUnknown("no answer from Twilio"),
        "+19175550105": RuntimeError("a bug in a backend"),
    }
    send = sms.LocmemBackend.send

    def provider(self, *, to, **kwargs):
        if to in by_number:
            raise by_number[to]
        return send(self, to=to, **kwargs)

    monkeypatch.setattr(sms.LocmemBackend, "send", provider)
    sms_opt_out_set(number="+19175550106", opted_out=True)  # STOP to every sender
    numbers = [*by_number, "+19175550106", "+19175550107"]
    made = {number: NotificationFactory(location=location, recipient=number) for number in numbers}
    outcomes = batch.notification_send_batch(notification_ids=[row.pk for row in made.values()])
    status = {number: Notification.objects.get(pk=row.pk) for number, row in made.items()}
    assert [outcomes[made[number].pk] for number in numbers] == [
        S.SUPPRESSED, S.FAILED, "retry", S.UNKNOWN, S.UNKNOWN, S.SUPPRESSED, S.SENT,
    ]  # fmt: skip
    assert [status[number].status for number in numbers] == [
        S.SUPPRESSED, S.FAILED, S.QUEUED, S.UNKNOWN, S.UNKNOWN, S.SUPPRESSED, S.SENT,
    ]  # fmt: skip
    assert status["+19175550103"].next_attempt_at > timezone.now()  # backoff, attempt counted
    assert status["+19175550103"].attempts == 1
    assert ConsentEvent.objects.filter(number="+19175550101", source="twilio_21610").exists()
    assert [text.to for text in sms.outbox] == ["+19175550107"]  # the opted-out one never went out


def test_a_lead_text_is_withheld_by_its_brands_opt_out_an_owners_text_is_not(tenant_a):
    location = tenant_a.location
    number = "+19175550131"
    consent_record(number=number, brand=location.brand_id, kind="opt_out", source="staff")
    lead_text = NotificationFactory(location=location, recipient=number, kind="client_reminder")
    owner_text = NotificationFactory(location=location, recipient=number, kind="office_message")
    outcomes = batch.notification_send_batch(notification_ids=[lead_text.pk, owner_text.pk])
    assert outcomes == {lead_text.pk: S.SUPPRESSED, owner_text.pk: S.SENT}


def test_a_gated_text_claimed_after_its_window_closed_waits_for_it(clock, tenant_a):
    """A backed-up queue: the lead's automated text is claimed at 21:30 in New York."""
    clock.move_to(datetime(2030, 3, 6, 21, 30, tzinfo=NY))
    now = timezone.now()
    (row,) = rows(tenant_a.location, 1, recipient="+12125550142", kind="client_reminder")
    Notification.objects.filter(pk=row.pk).update(not_before=now - timedelta(hours=3), next_attempt_at=now)
    assert batch.notification_send_batch(notification_ids=[row.pk]) == {row.pk: "held"}
    row.refresh_from_db()
    opening = datetime(2030, 3, 7, 8, 0, tzinfo=NY)
    assert (row.status, row.attempts, row.next_attempt_at, row.not_before) == (S.QUEUED, 0, opening, opening)
    assert sms.outbox == []


def test_texts_over_the_senders_limit_wait_and_are_never_dropped_or_doubled(clock, tenant_a, settings):
    settings.SMS_RATE_PER_SENDER, settings.SMS_RATE_BURST, settings.SMS_RATE_MAX_WAIT = 3, 3, 0
    sender = f"+1555{uuid.uuid4().int % 10**7:07d}"
    bucket = redis.Redis.from_url(settings.REDIS_URL)
    try:
        ids = [row.pk for row in rows(tenant_a.location, 5, sender=sender)]
        first = batch.notification_send_batch(notification_ids=ids)
        assert list(first.values()) == [S.SENT] * 3 + ["rate-limited"] * 2
        waiting = Notification.objects.filter(pk__in=ids[3:])
        assert {(row.status, row.attempts) for row in waiting} == {(S.QUEUED, 0)}  # the attempt given back
        assert all(row.next_attempt_at > timezone.now() for row in waiting)

        bucket.delete(rate_limit.KEY_PREFIX + sender)  # the bucket has refilled
        clock.shift(timedelta(seconds=1))
        second = batch.notification_send_batch(notification_ids=ids)
        assert list(second.values()) == ["not-claimed"] * 3 + [S.SENT] * 2
    finally:
        bucket.delete(rate_limit.KEY_PREFIX + sender)
    assert sorted(text.body for text in sms.outbox) == sorted(
        Notification.objects.filter(pk__in=ids).values_list("body", flat=True)
    )
    assert Notification.objects.filter(pk__in=ids, status=S.SENT).count() == 5


def test_a_worker_dying_between_send_and_record_is_reconciled_not_resent(tenant_a, monkeypatch):
    """The rows stay `sending`; the sweep finds each text in the provider's list."""
    ids = [row.pk for row in rows(tenant_a.location, 4)]

    def killed(accepted):
        raise SystemExit("kill -9")

    monkeypatch.setattr(batch, "_record_sent", killed)
    with pytest.raises(SystemExit):
        batch.notification_send_batch(notification_ids=ids)
    monkeypatch.undo()
    assert set(Notification.objects.filter(pk__in=ids).values_list("status", flat=True)) == {S.SENDING}
    report = delivery.sweep_stuck_notifications(sending_timeout=0)
    assert (report["unknown"], report["reconciled"], report["requeued"]) == (4, 4, 0)
    sent = dict(Notification.objects.filter(pk__in=ids, status=S.SENT).values_list("body", "provider_id"))
    assert sent == {text.body: text.sid for text in sms.outbox} and len(sms.outbox) == 4


def test_the_task_reports_what_happened(tenant_a):
    ids = [row.pk for row in rows(tenant_a.location, 2)]
    assert tasks.send_batch(ids + [0]) == {S.SENT: 2, "not-claimed": 1}
