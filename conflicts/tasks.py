"""Beat tasks of the conflicts capability (names fixed in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from . import services
from .same_day import same_day_close_impossible, same_day_expire_due


@shared_task(name="conflicts.tasks.remind_unanswered_conflicts")
def remind_unanswered_conflicts() -> int:
    """Re-notify conflicts unanswered for CONFLICT_REMINDER_BUSINESS_HOURS business hours (≤ 2×)."""
    return services.conflicts_remind_unanswered()


@shared_task(name="conflicts.tasks.expire_same_day_requests")
def expire_same_day_requests() -> int:
    """Pending same-day requests whose start has passed become `expired`; those whose approval
    became impossible (the lead cannot convert, the time was booked) close themselves."""
    return same_day_expire_due() + same_day_close_impossible()
