"""Rules-conformance review of the conflicts capability: outbox idempotency of the replies."""

import builtins
import itertools

import pytest

from conflicts import links
from conflicts.answers import conflict_reply_received
from notifications.models import Notification
from tests.factories import ConflictFactory

pytestmark = pytest.mark.django_db


def test_a_redelivered_unclear_reply_gets_one_answer_whatever_the_process(tenant_a, monkeypatch):
    """DESIGN.md "Outbox": the idempotency key makes a notification once. An inbound webhook
    redelivered to another worker process (another str hash seed) must not answer twice."""
    conflict = ConflictFactory(location=tenant_a.location)
    seeds = itertools.count()
    real_hash = builtins.hash
    monkeypatch.setattr(builtins, "hash", lambda value: real_hash(value) + next(seeds))  # a new process each call
    for _ in range(2):
        outcome = conflict_reply_received(
            recipients=[links.reply_to_address(conflict.pk)], sender=tenant_a.owner.email, body="Let me think about it"
        )
        assert outcome == "help"
    assert Notification.objects.filter(kind="reply_help").count() == 1
