"""A real Celery worker on Redis against the fake Twilio server (marked `worker`, ~20 s).

200 SMS through the `twilio` backend; the worker is SIGKILLed mid-run and started again; the
sweep reconciles what was in flight: 0 lost, 0 sent twice (the fake server counts per To and
body, and every body is unique). The slow-provider case: Twilio records a text and answers
after the client's timeout; the text is `unknown`, found in Twilio's list, never resent. Then
the broker-down case: rows queued while Redis is unreachable wait in the outbox and go out once
the sweep can reach the broker again.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.utils import timezone

from notifications import delivery, outbox
from notifications.models import Notification
from tests.support_processes import claim_redis_database, database_url, free_port, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
S = Notification.Status


def fake_stats(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/_fake/stats", timeout=5) as response:
        return json.loads(response.read())


@pytest.fixture
def fake_server(settings):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "notifications.fake_twilio", "--port", str(port), "--delay", "0.03"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: _reachable(url), 10, what="the fake Twilio server")
    settings.SMS_BACKEND = "notifications.sms.TwilioBackend"
    settings.TWILIO_API_BASE_URL = url
    yield url
    process.kill()
    process.wait()


def _post(url: str, payload: dict) -> None:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST")
    urllib.request.urlopen(request, timeout=5).read()


def _hung_row(fake_url: str) -> int | None:
    """The row in `sending` whose text the fake server already holds (its answer is stalled)."""
    with urllib.request.urlopen(f"{fake_url}/_fake/messages", timeout=5) as response:
        bodies = {m["body"] for m in json.loads(response.read())["messages"] if m.get("_stalled")}
    for pk, body in Notification.objects.filter(status=S.SENDING).values_list("id", "body"):
        if body in bodies:
            return pk
    return None


def _reachable(url: str) -> bool:
    try:
        fake_stats(url)
        return True
    except OSError:
        return False


@pytest.fixture
def broker():
    """The test process publishes (not eager) to a Redis database of this test's own, emptied
    before and after: two runs of these tests at once (xdist, another checkout's suite) would
    otherwise take each other's tasks."""
    from pronexis.celery import app

    url, client = claim_redis_database()
    client.url = url
    saved = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url, app.conf.task_always_eager = url, False
    app._pool = app.amqp._producer_pool = None
    yield client
    app.conf.broker_url, app.conf.task_always_eager = saved
    app._pool = app.amqp._producer_pool = None
    client.flushdb()


class Worker:
    def __init__(self, fake_url: str, redis_url: str):
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_url,
            "SMS_BACKEND": "notifications.sms.TwilioBackend",
            "TWILIO_API_BASE_URL": fake_url,
            "DEBUG": "1",
            "CONN_MAX_AGE": "0",
        }
        self.process: subprocess.Popen | None = None
        self.log = open(os.environ.get("MESSAGING_WORKER_LOG", os.devnull), "ab")  # noqa: SIM115

    def start(self):
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "pronexis",
                "worker",
                "-l",
                "warning",
                "-c",
                "2",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
                "-n",
                f"messaging-test-{time.monotonic_ns()}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the pool children die with it
        )

    def kill(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker(fake_server, broker):
    worker = Worker(fake_server, broker.url)
    yield worker
    worker.kill()


def make_rows(location, count: int, prefix: str) -> list[int]:
    rows = [
        Notification(
            location=location,
            kind="office_message",
            channel="sms",
            recipient=f"+1917555{i % 50:04d}",
            sender="+18885550199",
            body=f"ProNexis: {prefix} notification {i}",
            idempotency_key=f"{prefix}-{i}",
        )
        for i in range(count)
    ]
    Notification.objects.bulk_create(rows)
    return list(Notification.objects.filter(idempotency_key__startswith=f"{prefix}-").values_list("id", flat=True))


def statuses(prefix: str) -> dict:
    from django.db.models import Count

    return dict(
        Notification.objects.filter(idempotency_key__startswith=f"{prefix}-")
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )


def settle(broker, prefix: str, quiet: float = 1.5, timeout: float = 30):
    """Waits until the queue is empty and no row changed for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        now = (statuses(prefix), broker.llen("pronexis"))
        if now != last:
            last, since = now, time.monotonic()
        elif now[1] == 0 and time.monotonic() - since >= quiet:
            return now[0]
        time.sleep(0.2)
    raise AssertionError(f"the worker did not settle: {last}")


def test_sigkill_mid_run_then_sweep_loses_nothing_and_sends_nothing_twice(tenant_a, fake_server, worker, broker):
    ids = make_rows(tenant_a.location, 200, "kill")
    worker.start()
    assert outbox.enqueue(ids) == 200
    wait_for(lambda: fake_stats(fake_server)["total"] >= 50, 30, what="the first sends")
    # The next text reaches "Twilio" but its answer stalls: the worker dies in that window.
    _post(f"{fake_server}/_fake/errors", {"count": 1, "hang": 60})
    hung = wait_for(lambda: _hung_row(fake_server), 15, step=0.05, what="a text accepted but not yet recorded")
    worker.kill()  # SIGKILL mid-run: the task in flight and the prefetched ones die with it
    killed_at = fake_stats(fake_server)["total"]
    assert killed_at < 200, "the worker finished before it was killed; raise the fake server's delay"
    assert Notification.objects.get(pk=hung).status == S.SENDING

    worker.start()
    before_sweep = settle(broker, "kill")
    in_flight = before_sweep.get("sending", 0)
    assert in_flight >= 1  # the stalled one (and whatever the other pool process was sending)
    # Rows the dead worker had claimed stay `sending`; its prefetched tasks sit unacked in Redis
    # until the visibility timeout: the sweep is what recovers both.
    report = delivery.sweep_stuck_notifications(sending_timeout=1, queued_grace=0)
    # the in-flight text is found in Twilio's list (no resend); lost prefetched tasks are enqueued
    assert report["unknown"] == in_flight and report["reconciled"] >= 1
    assert report["reconciled"] + report["requeued"] == in_flight
    assert report["enqueued"] == report["requeued"] + before_sweep.get("queued", 0)
    assert Notification.objects.get(pk=hung).status == S.SENT
    wait_for(lambda: statuses("kill") == {"sent": 200}, 30, what=f"all sent (now {statuses('kill')})")
    worker.stop()

    stats = fake_stats(fake_server)
    assert stats["duplicates"] == [], "a text was sent twice"
    assert stats["total"] == stats["distinct"] == 200, "a text was lost"
    provider_ids = list(Notification.objects.filter(pk__in=ids).values_list("provider_id", flat=True))
    assert len(set(provider_ids)) == 200 and all(provider_ids)


def test_slow_provider_answers_after_the_client_timeout_and_the_phone_gets_it_once(
    tenant_a, fake_server, worker, broker
):
    (pk,) = make_rows(tenant_a.location, 1, "slow")
    _post(f"{fake_server}/_fake/errors", {"count": 1, "hang": 60})  # recorded, answered 60 s late
    worker.env.update(TWILIO_HTTP_TIMEOUT="1", NOTIFICATION_UNKNOWN_GRACE="1")
    worker.start()
    assert outbox.enqueue([pk]) == 1
    row = wait_for(
        lambda: Notification.objects.filter(pk=pk, attempts=1).exclude(status=S.SENDING).first(),
        30,
        what="the send to give up waiting for Twilio's answer",
    )
    assert row.status in (S.UNKNOWN, S.SENT), f"a lost answer must not be a retry ({row.status}: {row.last_error})"
    # However long a retry backoff would be, it has passed; the sweep runs.
    Notification.objects.filter(pk=pk, status=S.QUEUED).update(next_attempt_at=timezone.now())
    delivery.sweep_stuck_notifications(queued_grace=0)
    wait_for(lambda: statuses("slow") == {"sent": 1}, 30, what=f"the text recorded as sent (now {statuses('slow')})")
    _post(f"{fake_server}/_fake/release", {})
    settle(broker, "slow")
    worker.stop()
    stats = fake_stats(fake_server)
    assert stats["duplicates"] == [] and stats["total"] == 1, "the phone got the text twice"
    with urllib.request.urlopen(f"{fake_server}/_fake/messages", timeout=5) as response:
        (message,) = json.loads(response.read())["messages"]
    assert Notification.objects.get(pk=pk).provider_id == message["sid"]


def test_broker_down_rows_wait_in_the_outbox_and_go_out_when_it_is_back(
    tenant_a, fake_server, worker, broker, django_capture_on_commit_callbacks
):
    from pronexis.celery import app

    app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/7"  # a closed port
    app.conf.broker_connection_retry = False
    app._pool = app.amqp._producer_pool = None
    ids = make_rows(tenant_a.location, 20, "down")
    assert outbox.enqueue(ids) == 0  # caught and logged, not raised
    assert statuses("down") == {"queued": 20}

    app.conf.broker_url = broker.url  # the broker is back
    app._pool = app.amqp._producer_pool = None
    worker.start()
    report = delivery.sweep_stuck_notifications(queued_grace=0)
    assert report["enqueued"] == 20
    wait_for(lambda: statuses("down") == {"sent": 20}, 30, what=f"all sent (now {statuses('down')})")
    stats = fake_stats(fake_server)
    assert stats["total"] == stats["distinct"] == 20 and stats["duplicates"] == []
