"""Staff resend failed deliveries through the outbox (issue #17 "Operations overview")."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.permissions import require_staff
from pronexis.locks import lock

from .models import Notification
from .outbox import enqueue


def notifications_resend(*, actor, notification_ids) -> list[int]:
    """Failed or undelivered rows go back to `queued` and are handed to the worker after commit.
    The row is the same (its idempotency key too) and the flip is conditional on its failed
    status under a row lock, so a double click, two staff members or a retried request resend
    each row exactly once; the send itself claims `queued → sending` as any send does.
    Returns the ids this call queued again."""
    require_staff(actor)
    now = timezone.now()
    failed = Notification.objects.filter(pk__in=list(notification_ids), status__in=Notification.FAILED_STATUSES)
    with transaction.atomic():
        ids = list(lock(failed).values_list("pk", flat=True))
        # provider_id is cleared: a late receipt of the failed attempt must not mark the new one.
        Notification.objects.filter(pk__in=ids).update(
            status=Notification.Status.QUEUED, claimed_at=None, next_attempt_at=now, provider_id="", updated_at=now
        )
        transaction.on_commit(lambda: enqueue(ids))
    return ids
