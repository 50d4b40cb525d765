from celery import shared_task

from . import urgent


@shared_task(name="portal.tasks.escalate_urgent_items", ignore_result=True)
def escalate_urgent_items() -> int:
    """Every minute: urgent items nobody acknowledged in time are texted once to the owners."""
    return urgent.urgent_escalate_due()
