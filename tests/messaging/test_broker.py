"""A hung broker (Redis SIGSTOPped: connections open, nothing answers) must not hang the request
that publishes after commit: the publish gives up within the configured timeout, the committed
rows wait in the outbox and the sweep sends them once."""

from __future__ import annotations

import signal
import socket

import pytest
from django.core import mail

from messaging import delivery, sms
from messaging.models import Notification
from tests.messaging.test_office_messages import payload

pytestmark = pytest.mark.django_db
# Seconds: five times the configured REDIS_TIMEOUT (2 s); the unbounded publish hung for minutes.
WATCHDOG = 10


class PublishHung(BaseException):  # not caught by the outbox's `except Exception`
    pass


@pytest.fixture
def hung_broker():
    """A port that completes the TCP handshake (the kernel's backlog) and never answers, like a
    stopped Redis; the app publishes to it for real (not eager) with its configured timeouts."""
    from pronexis.celery import app

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    saved = (app.conf.broker_url, app.conf.task_always_eager)

    def point(url, eager):
        app.conf.broker_url, app.conf.task_always_eager = url, eager
        app._pool = app.amqp._producer_pool = None

    def on_alarm(signum, frame):
        raise PublishHung(f"publishing to a hung broker took over {WATCHDOG} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    point(f"redis://127.0.0.1:{listener.getsockname()[1]}/0", False)
    signal.alarm(WATCHDOG)
    yield lambda: point(*saved)  # the broker is back
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)
    point(*saved)
    listener.close()


def test_a_hung_broker_does_not_hang_the_request_and_the_sweep_sends_later(
    agent_api, brooklyn, hung_broker, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):  # the publish after commit
        response = agent_api.post("/api/v1/messages/", payload(brooklyn), format="json")
    signal.alarm(0)  # it came back (PublishHung otherwise)
    assert response.status_code == 201
    assert "the sweep will send it" in caplog.text
    assert set(Notification.objects.values_list("status", flat=True)) == {"queued"}

    hung_broker()  # Redis answers again
    report = delivery.sweep_stuck_notifications(queued_grace=0)
    assert report["enqueued"] == 4
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    assert len(mail.outbox) == 2 and len(sms.outbox) == 2  # once each
