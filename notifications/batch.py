"""Sending the outbox in batches (issue #17: throughput without giving up exactly-once).

`enqueue(ids)` (notifications.outbox) publishes one `notifications.tasks.send_batch` per
NOTIFICATION_BATCH_SIZE rows. The task:

1. claims its rows in one statement: `queued → sending` for the ones still queued and due,
   `FOR UPDATE SKIP LOCKED` (a row another worker is claiming right now is that worker's);
   the claim commits before anything is sent, as the one-row claim does (delivery);
2. checks each text as `notification_send` does, in bulk: the consent ledger (one query for the
   batch), the recipient's window for gated texts, and the sender's rate limit (a token bucket
   in Redis shared by every worker, notifications.rate_limit);
3. sends the texts concurrently from a thread pool (SMS_SEND_THREADS; each thread its own
   Twilio client with a keep-alive session). The threads only talk to the provider; every
   database write is this thread's;
4. records every text the provider accepted in one UPDATE … FROM (VALUES …), then applies the
   status callbacks that arrived first. A refusal or a lost answer is recorded row by row, by
   the same rules as a single send (delivery.sms_error_record): retry later, final, or
   `unknown` — looked up in the provider's list before any resend.

A worker killed between the send and the record leaves its rows `sending`: the sweep makes them
`unknown` and the reconciliation finds each accepted text in Twilio's list (no resend), as
for a single send. E-mails and pushes in a batch are sent one by one as before.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import connection, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from . import delivery
from .consent import withheld_texts
from .models import Notification, StatusCallback
from .rate_limit import sms_tokens_take
from .sms import SmsError, SmsOutcomeUnknown, thread_backend

logger = logging.getLogger(__name__)
S = Notification.Status
LEAD_KINDS = Notification.LEAD_KINDS
TABLE = Notification._meta.db_table

CLAIM_SQL = f"""
UPDATE {TABLE} SET status = 'sending', claimed_at = %(now)s, updated_at = %(now)s, attempts = attempts + 1
WHERE id IN (
    SELECT id FROM {TABLE}
    WHERE id = ANY(%(ids)s) AND status = 'queued' AND next_attempt_at <= %(now)s
    ORDER BY id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
RETURNING *
"""
FIELDS = Notification._meta.concrete_fields


def notifications_claim(*, notification_ids: list[int]) -> list[Notification]:
    """queued → sending for those of these rows that are queued and due, in one statement
    that also returns them: the rows this caller now owns, in id order."""
    ids = sorted({int(pk) for pk in notification_ids})
    if not ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(CLAIM_SQL, {"now": timezone.now(), "ids": ids, "limit": len(ids)})
        columns = [column.name for column in cursor.description]
        found = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
    names = [field.attname for field in FIELDS]
    rows = [Notification.from_db(connection.alias, names, [row[field.column] for field in FIELDS]) for row in found]
    return sorted(rows, key=lambda row: row.pk)


_pool: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    """This process's pool (made after the fork: a prefork worker's children each have one)."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():
            _pool = (os.getpid(), ThreadPoolExecutor(settings.SMS_SEND_THREADS, thread_name_prefix="sms-send"))
        return _pool[1]


def _provider_send(to: str, body: str, sender: str, callback: str):
    """In a pool thread: the provider call only (no database). (sid, at) or the SmsError."""
    try:
        return thread_backend().send(to=to, body=body, sender=sender, status_callback=callback), timezone.now()
    except SmsError as error:
        return error
    except Exception as error:  # unclassified: the provider may have the text, so no blind retry
        logger.exception("unexpected error sending an SMS")
        return SmsOutcomeUnknown(f"unexpected error: {type(error).__name__}: {error}")


def notification_send_batch(*, notification_ids: list[int]) -> dict[int, str]:
    """Claims and sends these rows; what happened to each (`not-claimed` for rows another
    worker has, or that are no longer queued and due)."""
    outcomes = {int(pk): "not-claimed" for pk in notification_ids}
    rows = notifications_claim(notification_ids=list(outcomes))
    texts = [row for row in rows if row.channel == Notification.Channel.SMS]
    # The Location where a rule needs it: a lead text's brand (consent), a gated text's zone.
    prefetch_related_objects(
        [row for row in texts if row.location_id and (row.kind in LEAD_KINDS or row.not_before)], "location"
    )
    others = [row.pk for row in rows if row.channel != Notification.Channel.SMS]
    for row in Notification.objects.select_related("push_subscription", "location").filter(pk__in=others):
        send = delivery._send_push if row.channel == Notification.Channel.PUSH else delivery._send_email
        outcomes[row.pk] = send(row)
    outcomes.update(_send_texts(texts))
    return outcomes


def _send_texts(rows: list[Notification]) -> dict[int, str]:
    outcomes: dict[int, str] = {}
    withheld = withheld_texts([(row.recipient, row.consent_brand_id) for row in rows])
    suppressed = [row.pk for row in rows if (row.recipient, row.consent_brand_id) in withheld]
    if suppressed:
        Notification.objects.filter(pk__in=suppressed, status=S.SENDING).update(
            status=S.SUPPRESSED, last_error="The recipient opted out.", updated_at=timezone.now()
        )
        outcomes.update(dict.fromkeys(suppressed, S.SUPPRESSED))
    now = timezone.now()
    by_sender: dict[str, list[Notification]] = defaultdict(list)
    for row in rows:
        if row.pk in outcomes:
            continue
        if delivery.sms_hold_outside_window(row, now):
            outcomes[row.pk] = "held"
        else:
            by_sender[delivery.sms_sender(row)].append(row)
    futures = _submit_within_rate(by_sender, outcomes)
    accepted = []
    for row, future in futures:
        result = future.result()
        if isinstance(result, SmsError):
            outcomes[row.pk] = delivery.sms_error_record(row, result)
        else:
            accepted.append((row.pk, *result))
            outcomes[row.pk] = S.SENT
    _record_sent(accepted)
    return outcomes


def _submit_within_rate(by_sender: dict[str, list[Notification]], outcomes: dict) -> list[tuple[Notification, Future]]:
    """Hands each sender's texts to the pool as its rate limit grants tokens, waiting for more
    up to SMS_RATE_MAX_WAIT; what is still over the limit then is queued again for later."""
    pool, callback = _executor(), delivery.status_callback_url()
    futures = []
    deadline = time.monotonic() + settings.SMS_RATE_MAX_WAIT
    while by_sender:
        wait = None
        for sender, waiting in list(by_sender.items()):
            granted, next_token = sms_tokens_take(sender=sender, count=len(waiting))
            for row in waiting[:granted]:
                futures.append((row, pool.submit(_provider_send, row.recipient, row.body, sender, callback)))
            if granted < len(waiting):
                by_sender[sender] = waiting[granted:]
                wait = next_token if wait is None else min(wait, next_token)
            else:
                del by_sender[sender]
        if not by_sender:
            break
        if time.monotonic() + wait > deadline:
            over = [row for waiting in by_sender.values() for row in waiting]
            delivery.notifications_requeue(rows=over, wait=wait)
            outcomes.update(dict.fromkeys((row.pk for row in over), "rate-limited"))
            break
        time.sleep(wait)
    return futures


def _record_sent(accepted: list[tuple[int, str, object]]) -> None:
    """sending → sent with each provider id, one statement; then the callbacks that came first."""
    if not accepted:
        return
    values = ", ".join(["(%s::bigint, %s::varchar, %s::timestamptz)"] * len(accepted))
    params = [value for row in accepted for value in row]
    # Committed without waiting for the WAL flush (a flush per batch was a third of its time):
    # a database crash that loses this write leaves the rows `sending`, as a worker's death
    # does, and the sweep finds each text in the provider's list. The claim is never lost.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute(
            f"UPDATE {TABLE} AS n SET status = 'sent', provider_id = v.sid, sent_at = v.at, last_error = '', "
            f"updated_at = %s FROM (VALUES {values}) AS v(id, sid, at) WHERE n.id = v.id AND n.status = 'sending'",
            [timezone.now(), *params],
        )
    sids = [sid for _, sid, _ in accepted]
    early = StatusCallback.objects.filter(provider_id__in=sids).values_list("provider_id", flat=True).distinct()
    for sid in list(early):
        delivery.apply_status_callbacks(provider_id=sid)
