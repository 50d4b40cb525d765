"""Sending the outbox (DESIGN.md "Outbox"): claim, send, record; the sweep; status callbacks.

Exactly once for SMS: a row is sent only by whoever moves it `queued → sending` (a conditional
UPDATE: 0 rows means someone else has it). A send whose answer is lost after the request went
out (read timeout, connection reset) becomes `unknown`, not a retry; so does a row left in
`sending` by a worker that died (the sweep). An `unknown` row is looked up in the provider's
message list (same recipient, body and sender, created since the row was, sent or not yet)
before any resend: found → `sent` with that id; not found → queued again. E-mail has no such
list: an `unknown` e-mail is sent again (at least once); so is a push (notifications.push).
Status callbacks that arrive before their row carries the provider id wait in `StatusCallback`
and are applied when it does.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from pywebpush import WebPushException

from pronexis.locks import lock

from .consent import consent_record, may_text
from .models import Notification, PushSubscription, StatusCallback
from .push import PushRefused, push_send
from .quiet_hours import next_allowed_instant
from .rate_limit import sms_tokens_take
from .sms import SmsError, SmsPermanentError, SmsTemporaryError, get_backend

logger = logging.getLogger(__name__)
S = Notification.Status

MAX_ATTEMPTS = 6
OPTED_OUT_CODE = 21610  # Twilio: "Attempt to send to unsubscribed recipient"
STATUS_CALLBACK_RETENTION = timedelta(days=7)  # callbacks no row ever claimed (another app's texts)
# A text the provider created this long before its row counts as the row's (clock skew between
# us and Twilio); ids other rows already hold never do.
RECONCILE_SKEW = timedelta(minutes=5)


def _setting(name: str, default):
    return getattr(settings, name, default)


def retry_delay(attempts: int) -> int:
    """Backoff in seconds after `attempts` tries: 30, 60, 120, … at most an hour."""
    return min(30 * 2 ** max(attempts - 1, 0), 3600)


def status_callback_url() -> str:
    return f"{settings.PUBLIC_BASE_URL}/webhooks/twilio/status/"


def notification_claim(*, notification_id: int) -> bool:
    """queued → sending, only if due; True when this caller now owns the send."""
    now = timezone.now()
    return bool(
        Notification.objects.filter(pk=notification_id, status=S.QUEUED, next_attempt_at__lte=now).update(
            status=S.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
        )
    )


def notification_send(*, notification_id: int) -> str:
    """Claims and sends one row; returns what happened (for logs and tests)."""
    if not notification_claim(notification_id=notification_id):
        return "not-claimed"
    notification = Notification.objects.select_related("push_subscription", "location").get(pk=notification_id)
    if notification.channel == Notification.Channel.SMS:
        return _send_sms(notification)
    if notification.channel == Notification.Channel.PUSH:
        return _send_push(notification)
    return _send_email(notification)


def _finish(notification: Notification, **fields) -> None:
    fields["updated_at"] = timezone.now()
    Notification.objects.filter(pk=notification.pk, status=S.SENDING).update(**fields)


def sms_sender(notification: Notification) -> str:
    return notification.sender or settings.TWILIO_BROADCAST_SENDER


def _send_sms(notification: Notification) -> str:
    brand_id = notification.consent_brand_id
    if not may_text(notification.recipient, brand_id):
        _finish(notification, status=S.SUPPRESSED, last_error="The recipient opted out.")
        return S.SUPPRESSED
    if sms_hold_outside_window(notification, timezone.now()):
        return "held"
    if not _sms_token(notification):
        return "rate-limited"
    try:
        sid = get_backend().send(
            to=notification.recipient,
            body=notification.body,
            sender=sms_sender(notification),
            status_callback=status_callback_url(),
        )
    except SmsError as error:
        return sms_error_record(notification, error)
    _finish(notification, status=S.SENT, provider_id=sid, sent_at=timezone.now(), last_error="")
    apply_status_callbacks(provider_id=sid)
    return S.SENT


def _sms_token(notification: Notification) -> bool:
    """One token of the sender's rate limit, waiting up to SMS_RATE_MAX_WAIT for it; past that
    the row is queued again for when the bucket has refilled."""
    deadline = time.monotonic() + settings.SMS_RATE_MAX_WAIT
    while True:
        granted, wait = sms_tokens_take(sender=sms_sender(notification), count=1)
        if granted:
            return True
        if time.monotonic() + wait > deadline:
            notifications_requeue(rows=[notification], wait=wait)
            return False
        time.sleep(wait)


def sms_error_record(notification: Notification, error: SmsError) -> str:
    """What a refused or unanswered send means for its (claimed) row: final, retried later, or
    `unknown` (reconciled with the provider's list before any resend)."""
    if isinstance(error, SmsPermanentError):
        if error.code == OPTED_OUT_CODE:
            # Twilio 21610: the number opted out with the carrier or Twilio — an opt-out here too.
            consent_record(
                number=notification.recipient,
                brand=notification.consent_brand_id,
                kind="opt_out",
                source="twilio_21610",
                message=f"{error} (sending: {notification.body})",
                location=notification.location_id,
            )
            _finish(notification, status=S.SUPPRESSED, last_error=str(error))
            return S.SUPPRESSED
        _finish(notification, status=S.FAILED, last_error=str(error))
        return S.FAILED
    if isinstance(error, SmsTemporaryError):
        return _retry_later(notification, str(error))
    return _outcome_unknown(notification, str(error))


def _held_until(notification: Notification, at):
    """For a gated text (an automated text to a lead): the instant its recipient's window opens
    when `at` is outside it, else None."""
    if notification.not_before is None:
        return None
    held = next_allowed_instant(
        number=notification.recipient,
        at=at,
        fallback_zone=notification.location.time_zone if notification.location_id else "",
    )
    return held if held != at else None


def sms_hold_outside_window(notification: Notification, now) -> bool:
    """The compliance gate again right before sending: a gated text claimed after its window
    closed (a backed-up queue, a late retry) waits for the window to open (released by the beat)."""
    held = _held_until(notification, now)
    if held is None:
        return False
    _finish(notification, status=S.QUEUED, attempts=F("attempts") - 1, next_attempt_at=held, not_before=held)
    return True


def notifications_requeue(*, rows: list[Notification], wait: float) -> None:
    """Claimed rows not sent because their sender's rate limit ran out: queued again (the claim's
    attempt given back) with a task after `wait` seconds; a gated text whose wait would end
    outside its recipient's window waits for the window instead (released by the beat)."""
    from .tasks import send_batch

    now = timezone.now()
    at = now + timedelta(seconds=wait)
    again = {"status": S.QUEUED, "attempts": F("attempts") - 1, "updated_at": now}
    soon = []
    for row in rows:
        held = _held_until(row, at)
        if held is None:
            soon.append(row.pk)
        else:
            Notification.objects.filter(pk=row.pk, status=S.SENDING).update(
                **again, next_attempt_at=held, not_before=held
            )
    Notification.objects.filter(pk__in=soon, status=S.SENDING).update(**again, next_attempt_at=at)
    if soon:
        try:
            send_batch.apply_async((soon,), countdown=wait)
        except Exception:
            logger.warning("could not schedule rate-limited notifications %s; the sweep will", soon, exc_info=True)


def _outcome_unknown(notification: Notification, error: str) -> str:
    """Twilio may have the text: no resend before its message list is asked (after the grace)."""
    _finish(notification, status=S.UNKNOWN, last_error=error)
    from .tasks import reconcile_notification

    try:
        reconcile_notification.apply_async((notification.pk,), countdown=_setting("NOTIFICATION_UNKNOWN_GRACE", 30))
    except Exception:
        logger.warning("could not schedule reconciling notification %s; the sweep will", notification.pk, exc_info=True)
    return S.UNKNOWN


def _send_push(notification: Notification) -> str:
    """A push service keeps no list to ask, like SMTP: a send whose answer is lost is sent again
    (the payload's tag makes the device replace, not stack, a second copy)."""
    if notification.push_subscription is None:  # the device unsubscribed after the row was queued
        _finish(notification, status=S.GONE, last_error="The device no longer accepts notifications.")
        return S.GONE
    try:
        push_send(notification)
    except WebPushException as error:
        code = error.status_code
        if code in (404, 410):  # the subscription expired or the user revoked it: never again
            PushSubscription.objects.filter(pk=notification.push_subscription_id).delete()
            _finish(notification, status=S.GONE, last_error=f"The push service answered {code}: device removed.")
            return S.GONE
        if code is None or code == 429 or code >= 500:
            return _retry_later(notification, f"The push service answered {code}.")
        _finish(notification, status=S.FAILED, last_error=f"The push service refused ({code}): {error.message}"[:2000])
        return S.FAILED
    except PushRefused as error:
        _finish(notification, status=S.FAILED, last_error=str(error))
        return S.FAILED
    except requests.RequestException as error:  # unreachable, timed out: try again, then give up
        return _retry_later(notification, f"The push service could not be reached ({type(error).__name__}).")
    _finish(notification, status=S.SENT, sent_at=timezone.now(), last_error="")
    return S.SENT


def _send_email(notification: Notification) -> str:
    message = EmailMultiAlternatives(
        notification.title,
        notification.body,
        settings.DEFAULT_FROM_EMAIL,
        [notification.recipient],
        headers=notification.headers or {},
    )
    if notification.html_body:
        message.attach_alternative(notification.html_body, "text/html")
    try:
        message.send()
    except Exception as error:  # SMTP down, refused: try again, then give up
        return _retry_later(notification, f"{type(error).__name__}: {error}")
    _finish(notification, status=S.SENT, sent_at=timezone.now(), last_error="")
    return S.SENT


def _retry_later(notification: Notification, error: str) -> str:
    attempts = notification.attempts
    if attempts >= MAX_ATTEMPTS:
        _finish(notification, status=S.FAILED, last_error=f"Gave up after {attempts} attempts: {error}")
        return S.FAILED
    delay = retry_delay(attempts)
    next_attempt = timezone.now() + timedelta(seconds=delay)
    # A gated text whose retry would fall outside the recipient's window waits for it
    # (released by the beat, like a text queued at night).
    held = _held_until(notification, next_attempt)
    if held is not None:
        _finish(notification, status=S.QUEUED, last_error=error, next_attempt_at=held, not_before=held)
        return "retry"
    _finish(notification, status=S.QUEUED, last_error=error, next_attempt_at=next_attempt)
    from .tasks import send_notification

    try:
        send_notification.apply_async((notification.pk,), countdown=delay)
    except Exception:
        logger.warning("could not schedule retry of notification %s; the sweep will", notification.pk, exc_info=True)
    return "retry"


def _provider_id_of(notification: Notification) -> str | None:
    """The provider's id for this row's text, if the provider accepted it; ids already recorded
    on other rows (the same text sent earlier) are not this row's."""
    candidates = get_backend().find_accepted(
        to=notification.recipient,
        body=notification.body,
        sender=notification.sender or settings.TWILIO_BROADCAST_SENDER,
        since=notification.created_at - RECONCILE_SKEW,
    )
    taken = set(
        Notification.objects.filter(provider_id__in=candidates)
        .exclude(pk=notification.pk)
        .values_list("provider_id", flat=True)
    )
    return next((sid for sid in candidates if sid not in taken), None)


def notification_reconcile(*, notification_id: int, grace: float | None = None) -> str:
    """An `unknown` row whose send began at least `grace` seconds ago: found in the provider's
    list → `sent` with its id (no resend); not found → queued again. Returns what happened."""
    if grace is None:
        grace = _setting("NOTIFICATION_UNKNOWN_GRACE", 30)
    now = timezone.now()
    notification = (
        Notification.objects.filter(pk=notification_id, status=S.UNKNOWN)
        .filter(Q(claimed_at__lte=now - timedelta(seconds=grace)) | Q(claimed_at__isnull=True))
        .first()
    )
    if notification is None:
        return "not-due"
    found = None
    if notification.channel == Notification.Channel.SMS:
        try:
            found = _provider_id_of(notification)
        except SmsError as error:
            logger.warning("provider unavailable; notification %s stays unknown: %s", notification.pk, error)
            return S.UNKNOWN
    unknown = Notification.objects.filter(pk=notification.pk, status=S.UNKNOWN)
    if found:
        if not unknown.update(status=S.SENT, provider_id=found, sent_at=now, updated_at=now, last_error=""):
            return "not-due"
        apply_status_callbacks(provider_id=found)
        return "reconciled"
    return "requeued" if unknown.update(status=S.QUEUED, next_attempt_at=now, updated_at=now) else "not-due"


def sweep_stuck_notifications(
    *, sending_timeout: float | None = None, queued_grace: float | None = None, unknown_grace: float | None = None
) -> dict:
    """The beat sweep: `sending` past the timeout → `unknown`; `unknown` rows past the grace are
    reconciled with the provider (found → sent; not found → queued again and sent); `queued`
    rows due for longer than the grace period (their task was lost, or the broker was down) →
    enqueued again. A row stuck in `sending` past the timeout has waited long enough for the
    provider to list it, so the unknown grace is at most the sending timeout."""
    from .outbox import enqueue

    if sending_timeout is None:
        sending_timeout = _setting("NOTIFICATION_SENDING_TIMEOUT", 120)
    if queued_grace is None:
        queued_grace = _setting("NOTIFICATION_QUEUED_GRACE", 60)
    if unknown_grace is None:
        unknown_grace = min(_setting("NOTIFICATION_UNKNOWN_GRACE", 30), sending_timeout)
    now = timezone.now()
    stuck = Notification.objects.filter(status=S.SENDING, claimed_at__lte=now - timedelta(seconds=sending_timeout))
    report = {"unknown": stuck.update(status=S.UNKNOWN, updated_at=now), "reconciled": 0, "requeued": 0, "enqueued": 0}

    requeued: list[int] = []
    for pk in Notification.objects.filter(status=S.UNKNOWN).order_by("id").values_list("id", flat=True):
        outcome = notification_reconcile(notification_id=pk, grace=unknown_grace)
        if outcome == "reconciled":
            report["reconciled"] += 1
        elif outcome == "requeued":
            requeued.append(pk)
    report["requeued"] = len(requeued)
    due = Notification.objects.filter(status=S.QUEUED, next_attempt_at__lte=now - timedelta(seconds=queued_grace))
    ids = requeued + [pk for pk in due.order_by("id").values_list("id", flat=True) if pk not in requeued]
    report["enqueued"] = enqueue(ids)
    StatusCallback.objects.filter(received_at__lt=now - STATUS_CALLBACK_RETENTION).delete()
    return report


def release_held_notifications() -> int:
    """Beat, every minute: gated texts whose window has opened (queued at night, or a retry
    that would have fallen outside it) are enqueued; the claim keeps it to one send even when
    a row is released twice before a worker takes it."""
    from .outbox import enqueue

    now = timezone.now()
    held = Notification.objects.filter(status=S.QUEUED, not_before__isnull=False, not_before__lte=now).filter(
        next_attempt_at__lte=now, not_before__gt=F("created_at")
    )
    return enqueue(list(held.order_by("next_attempt_at", "id").values_list("id", flat=True)[:1000]))


TWILIO_STATUS_MAP = {
    "delivered": S.DELIVERED,
    "undelivered": S.UNDELIVERED,
    "failed": S.FAILED,
    "sent": S.SENT,
}


def notification_record_status(*, provider_id: str, provider_status: str, error_code: str = "") -> int:
    """`/webhooks/twilio/status/`: delivered, undelivered, failed (and sent) by provider id.
    The callback is stored first, then applied: Twilio may call before the send's answer
    (carrying the id) is recorded, and whichever of the two comes second applies it."""
    status = TWILIO_STATUS_MAP.get((provider_status or "").lower())
    if not status or not provider_id:
        return 0
    StatusCallback.objects.create(provider_id=provider_id, status=status, error_code=(error_code or "")[:16])
    return apply_status_callbacks(provider_id=provider_id)


def apply_status_callbacks(*, provider_id: str) -> int:
    """Applies the stored callbacks of this provider id to its row, oldest first, and forgets
    them; nothing happens while no row carries the id yet. A final status is not overwritten
    by a late `sent`."""
    if not Notification.objects.filter(provider_id=provider_id).exists():
        return 0
    updated = 0
    with transaction.atomic():
        # skip_locked: a concurrent caller is applying these very callbacks
        callbacks = list(lock(StatusCallback.objects.filter(provider_id=provider_id), skip_locked=True))
        for callback in callbacks:
            rows = Notification.objects.filter(provider_id=provider_id)
            if callback.status == S.SENT:
                rows = rows.filter(status__in=[S.SENDING, S.UNKNOWN, S.SENT])
            fields = {"status": callback.status, "updated_at": timezone.now()}
            if callback.error_code:
                fields["last_error"] = f"Twilio error {callback.error_code}"
            updated += rows.update(**fields)
        StatusCallback.objects.filter(pk__in=[callback.pk for callback in callbacks]).delete()
    return updated
