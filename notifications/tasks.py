"""Celery tasks of the outbox: ids in, a service call, idempotent by the claim's status guard."""

from collections import Counter

from celery import shared_task

from . import batch, delivery


@shared_task(name="notifications.tasks.send_notification", acks_late=True, ignore_result=True)
def send_notification(notification_id: int) -> str:
    return delivery.notification_send(notification_id=notification_id)


@shared_task(name="notifications.tasks.send_batch", acks_late=True, ignore_result=True)
def send_batch(notification_ids: list[int]) -> dict:
    """What `enqueue` publishes: up to NOTIFICATION_BATCH_SIZE rows claimed and sent together."""
    return dict(Counter(batch.notification_send_batch(notification_ids=notification_ids).values()))


@shared_task(name="notifications.tasks.sweep_stuck_notifications", ignore_result=True)
def sweep_stuck_notifications(sending_timeout: float | None = None, queued_grace: float | None = None) -> dict:
    return delivery.sweep_stuck_notifications(sending_timeout=sending_timeout, queued_grace=queued_grace)


@shared_task(name="notifications.tasks.release_held_notifications", ignore_result=True)
def release_held_notifications() -> int:
    return delivery.release_held_notifications()


@shared_task(name="notifications.tasks.reconcile_notification", ignore_result=True)
def reconcile_notification(notification_id: int) -> str:
    """An `unknown` text, after the grace: found at the provider → sent; not found → sent now."""
    from .outbox import enqueue

    outcome = delivery.notification_reconcile(notification_id=notification_id)
    if outcome == "requeued":
        enqueue([notification_id])
    return outcome


@shared_task(name="notifications.tasks.prune_webhook_receipts", ignore_result=True)
def prune_webhook_receipts() -> int:
    from .receipts import webhook_receipts_prune

    return webhook_receipts_prune()
