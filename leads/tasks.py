"""Celery tasks of the leads capability (names fixed in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from . import contact_sequence


@shared_task(name="leads.tasks.run_due_contact_steps")
def run_due_contact_steps() -> int:
    """Beat, every minute: run the automated contact sequence steps that are due."""
    return contact_sequence.contact_sequence_run_due()
