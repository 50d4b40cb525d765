"""Webhook deliveries already acted on (a Twilio MessageSid, a Mailgun token): replays change nothing."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .models import WebhookReceipt

TWILIO_RECEIPT_DAYS = 30  # Twilio redelivers within hours; a month is ample


def webhook_receipt_first(*, source: str, key: str) -> bool:
    """True the first time a webhook delivery with this provider id is seen (a Twilio MessageSid,
    a Mailgun token); False for a redelivery or a replay, which must change nothing. Call it in
    the transaction that acts on the delivery: if acting fails, the receipt rolls back with it
    and the provider's retry is acted on. A concurrent duplicate waits on the unique index."""
    _, created = WebhookReceipt.objects.get_or_create(source=source, key=key)
    return created


def webhook_receipts_prune(*, now=None) -> int:
    """Forgets receipts no replay can use any more: a Mailgun token past the freshness window
    is refused for its timestamp anyway."""
    now = now or timezone.now()
    stale = Q(source="mailgun", received_at__lt=now - timedelta(seconds=2 * settings.INBOUND_EMAIL_MAX_AGE)) | Q(
        received_at__lt=now - timedelta(days=TWILIO_RECEIPT_DAYS)
    )
    return WebhookReceipt.objects.filter(stale).delete()[0]
