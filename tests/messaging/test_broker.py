"""A hung broker (Redis stopped with SIGSTOP: connections are accepted, nothing answers) must not
hang the request that publishes after commit: the publish gives up after one REDIS_TIMEOUT on
its pooled connection, the committed rows wait in the outbox and the sweep sends them once."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time

import pytest
import redis
from django.conf import settings
from django.core import mail

from notifications import delivery, outbox, sms
from notifications.models import Notification
from tests.messaging.test_office_messages import payload

pytestmark = pytest.mark.django_db
# Seconds: five times REDIS_TIMEOUT; the unbounded publish hung for minutes.
WATCHDOG = 10


class PublishHung(BaseException):  # not caught by the outbox's `except Exception`
    pass


class StoppableRedis:
    """A private redis-server (the shared one is not ours to stop)."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        binary = shutil.which("redis-server")
        assert binary, "redis-server is needed: Redis is the broker"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{self.port}/0"
        for _ in range(100):
            try:
                self.connections_received()
                break
            except redis.ConnectionError:
                time.sleep(0.05)

    def connections_received(self) -> int:
        return redis.Redis(port=self.port).info("stats")["total_connections_received"]

    def stop(self):
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self):
        os.kill(self.process.pid, signal.SIGCONT)

    def kill(self):
        self.resume()
        self.process.kill()
        self.process.wait()


@pytest.fixture
def stoppable_broker():
    """The app publishes for real (not eager) to a private Redis; a watchdog ends a hang."""
    from pronexis.celery import app

    server = StoppableRedis()
    saved = (app.conf.broker_url, app.conf.task_always_eager)

    def point(url, eager):
        app.conf.broker_url, app.conf.task_always_eager = url, eager
        app._pool = app.amqp._producer_pool = None

    def on_alarm(signum, frame):
        raise PublishHung(f"publishing to a stopped Redis took over {WATCHDOG} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    point(server.url, False)
    server.restore_app = lambda: point(*saved)
    yield server
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)
    point(*saved)
    server.kill()


def test_a_stopped_broker_does_not_hang_the_request_and_the_sweep_sends_later(
    agent_api, brooklyn, stoppable_broker, django_capture_on_commit_callbacks, caplog
):
    assert outbox.enqueue([0]) == 1  # the web process holds a pooled connection to the broker
    before = stoppable_broker.connections_received()
    stoppable_broker.stop()
    signal.alarm(WATCHDOG)
    with django_capture_on_commit_callbacks(execute=True):  # the publish after commit
        response = agent_api.post("/api/v1/messages/", payload(brooklyn), format="json")
    signal.alarm(0)  # it came back (PublishHung otherwise)
    stoppable_broker.resume()
    assert response.status_code == 201
    # One wait of REDIS_TIMEOUT on the pooled connection and no reconnection (each would wait
    # the timeout again); the connection counted here is this check's own.
    assert stoppable_broker.connections_received() - before == 1
    assert settings.REDIS_TIMEOUT <= 2
    assert "the sweep will send it" in caplog.text
    assert set(Notification.objects.values_list("status", flat=True)) == {"queued"}

    stoppable_broker.restore_app()  # tasks run (eagerly) again
    report = delivery.sweep_stuck_notifications(queued_grace=0)
    assert report["enqueued"] == 4
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    assert len(mail.outbox) == 2 and len(sms.outbox) == 2  # once each
