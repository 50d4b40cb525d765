"""Reminders of unanswered conflicts: after 4 business hours (Mon–Fri 9–17 local), at most twice."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from conflicts.models import Conflict
from conflicts.services import business_hours_between, conflicts_remind_unanswered
from notifications.models import Notification
from tests.factories import ConflictFactory

NY = ZoneInfo("America/New_York")


def at(day, hour, minute=0):
    return dt.datetime(2025, 11, day, hour, minute, tzinfo=NY)  # 2025-11-17 is a Monday


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (at(17, 9), at(17, 13), 4),
        (at(17, 16), at(18, 11), 3),  # 1 h Monday evening + 2 h Tuesday morning
        (at(21, 15), at(24, 10), 3),  # Friday 15–17, the weekend counts nothing, Monday 9–10
        (at(22, 10), at(23, 18), 0),  # a weekend
        (at(17, 20), at(18, 8), 0),  # overnight
        (at(18, 12), at(17, 12), 0),
    ],
)
def test_business_hours_between(start, end, hours):
    assert business_hours_between(start, end, NY) == hours


@pytest.mark.django_db
def test_reminds_after_four_business_hours_at_most_twice(tenant_a, settings):
    settings.CONFLICT_REMINDER_BUSINESS_HOURS = 4
    conflict = ConflictFactory(location=tenant_a.location, created_at=at(17, 9))
    ConflictFactory(location=tenant_a.location, created_at=at(17, 9), status="approved")
    assert conflicts_remind_unanswered(now=at(17, 12, 59)) == 0
    assert conflicts_remind_unanswered(now=at(17, 13)) == 1
    assert conflicts_remind_unanswered(now=at(17, 16)) == 0  # 3 business hours since the reminder
    assert conflicts_remind_unanswered(now=at(18, 9, 30)) == 1  # 4 h (Mon 13–17) + 0.5 h
    assert conflicts_remind_unanswered(now=at(20, 12)) == 0  # at most twice
    conflict.refresh_from_db()
    assert conflict.reminders_sent == 2 and conflict.last_reminded_at == at(18, 9, 30)
    kinds = Notification.objects.filter(kind="conflict_reminder", channel="email").count()
    assert kinds == 2


@pytest.mark.django_db
def test_the_beat_task_runs(tenant_a):
    from conflicts.tasks import remind_unanswered_conflicts

    ConflictFactory(location=tenant_a.location)
    assert remind_unanswered_conflicts() == 0
    assert Conflict.objects.get().reminders_sent == 0
