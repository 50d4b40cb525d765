"""Celery tasks of accounts (names fixed in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from pronexis import idempotency


@shared_task(name="accounts.tasks.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys() -> int:
    """Beat, hourly: forget Idempotency-Keys and console form tokens past their lifetime."""
    return idempotency.purge_expired()
