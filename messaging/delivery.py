"""Sending the outbox (DESIGN.md "Outbox"): claim, send, record; the sweep; status callbacks.

Exactly once for SMS: a row is sent only by whoever moves it `queued → sending` (a conditional
UPDATE: 0 rows means someone else has it). A worker that dies after the provider accepted the
text but before recording it leaves the row in `sending`; the sweep turns it `unknown` and asks
the provider's message list (same recipient and body since the row was created) before any
resend. E-mail has no such list: an `unknown` e-mail is sent again (at least once).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.utils import timezone

from .models import Notification
from .sms import SmsPermanentError, SmsTemporaryError, get_backend

logger = logging.getLogger(__name__)
S = Notification.Status

MAX_ATTEMPTS = 6


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
    notification = Notification.objects.get(pk=notification_id)
    if notification.channel == Notification.Channel.SMS:
        return _send_sms(notification)
    return _send_email(notification)


def _finish(notification: Notification, **fields) -> None:
    fields["updated_at"] = timezone.now()
    Notification.objects.filter(pk=notification.pk, status=S.SENDING).update(**fields)


def _send_sms(notification: Notification) -> str:
    from .services import number_opted_out

    if number_opted_out(notification.recipient):
        _finish(notification, status=S.SUPPRESSED, last_error="The recipient texted STOP.")
        return S.SUPPRESSED
    try:
        sid = get_backend().send(
            to=notification.recipient,
            body=notification.body,
            sender=notification.sender or settings.TWILIO_BROADCAST_SENDER,
            status_callback=status_callback_url(),
        )
    except SmsPermanentError as error:
        _finish(notification, status=S.FAILED, last_error=str(error))
        return S.FAILED
    except SmsTemporaryError as error:
        return _retry_later(notification, str(error))
    _finish(notification, status=S.SENT, provider_id=sid, sent_at=timezone.now(), last_error="")
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
    _finish(
        notification,
        status=S.QUEUED,
        last_error=error,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )
    from .tasks import send_notification

    try:
        send_notification.apply_async((notification.pk,), countdown=delay)
    except Exception:
        logger.warning("could not schedule retry of notification %s; the sweep will", notification.pk, exc_info=True)
    return "retry"


def sweep_stuck_notifications(*, sending_timeout: float | None = None, queued_grace: float | None = None) -> dict:
    """The beat sweep: `sending` past the timeout → `unknown` → reconciled with the provider
    (found → sent; not found → queued again and sent); `queued` rows due for longer than the
    grace period (their task was lost, or the broker was down) → enqueued again."""
    from .outbox import enqueue

    if sending_timeout is None:
        sending_timeout = _setting("NOTIFICATION_SENDING_TIMEOUT", 120)
    if queued_grace is None:
        queued_grace = _setting("NOTIFICATION_QUEUED_GRACE", 60)
    now = timezone.now()
    stuck = Notification.objects.filter(status=S.SENDING, claimed_at__lte=now - timedelta(seconds=sending_timeout))
    report = {"unknown": stuck.update(status=S.UNKNOWN, updated_at=now), "reconciled": 0, "requeued": 0, "enqueued": 0}

    backend = None
    requeued: list[int] = []
    for notification in Notification.objects.filter(status=S.UNKNOWN).order_by("id"):
        found = None
        if notification.channel == Notification.Channel.SMS:
            backend = backend or get_backend()
            try:
                found = backend.find_sent(
                    to=notification.recipient,
                    body=notification.body,
                    since=notification.created_at - timedelta(minutes=1),
                )
            except SmsTemporaryError:
                logger.warning("provider unavailable; notification %s stays unknown", notification.pk)
                continue
        if found:
            report["reconciled"] += Notification.objects.filter(pk=notification.pk, status=S.UNKNOWN).update(
                status=S.SENT, provider_id=found, sent_at=now, updated_at=now, last_error=""
            )
        elif Notification.objects.filter(pk=notification.pk, status=S.UNKNOWN).update(
            status=S.QUEUED, next_attempt_at=now, updated_at=now
        ):
            requeued.append(notification.pk)
    report["requeued"] = len(requeued)
    due = Notification.objects.filter(status=S.QUEUED, next_attempt_at__lte=now - timedelta(seconds=queued_grace))
    ids = requeued + [pk for pk in due.order_by("id").values_list("id", flat=True) if pk not in requeued]
    report["enqueued"] = enqueue(ids)
    return report


TWILIO_STATUS_MAP = {
    "delivered": S.DELIVERED,
    "undelivered": S.UNDELIVERED,
    "failed": S.FAILED,
    "sent": S.SENT,
}


def notification_record_status(*, provider_id: str, provider_status: str, error_code: str = "") -> int:
    """`/webhooks/twilio/status/`: delivered, undelivered, failed (and sent) by provider id.
    A final status is not overwritten by a late `sent`."""
    status = TWILIO_STATUS_MAP.get((provider_status or "").lower())
    if not status or not provider_id:
        return 0
    rows = Notification.objects.filter(provider_id=provider_id)
    if status == S.SENT:
        rows = rows.filter(status__in=[S.SENDING, S.UNKNOWN, S.SENT])
    fields = {"status": status, "updated_at": timezone.now()}
    if error_code:
        fields["last_error"] = f"Twilio error {error_code}"
    return rows.update(**fields)
