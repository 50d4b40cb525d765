"""SMS fan-out throughput through Celery against the fake Twilio server (a script; issue #8).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pronexis_bench .venv/bin/python bench/notify.py [count] [delay]

`count` SMS per run (default 3000: at ~1,000 texts/s a 600-text run lasts 0.6 s, where the 50 ms
poll for its end and the split of six batches between two workers weigh several per cent);
`delay` = the fake server's answer time in seconds (default 0: pure overhead; 0.05 is closer to a
real provider). For 1 and 2 concurrent senders:

- baseline: a plain HTTP client (requests.Session per thread, a thread pool of that size)
  posting the same form the Twilio client posts to the fake server;
- Celery: that many `celery -A pronexis worker -c 1` processes on Redis db 9 with
  `SMS_BACKEND=notifications.sms.TwilioBackend` and `TWILIO_API_BASE_URL` at the fake server; the
  bench inserts `count` queued SMS Notification rows (the outbox) and hands them to
  `notifications.outbox.enqueue` as production does: one `notifications.tasks.send_batch` per
  NOTIFICATION_BATCH_SIZE rows (issue #17: each task claims its rows in one statement, sends them
  from SMS_SEND_THREADS threads, records the results in one UPDATE), timed from the first publish
  until every row is `sent`. Every text comes from one sender, so the workers take tokens from
  one Redis bucket; `SMS_RATE_PER_SENDER` is set high (100000/s unless given) so the bench
  measures the outbox, not the limit.

Prints SMS/s for both and the ratio Celery / baseline; checks the fake server received each
text exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pronexis_bench")
os.environ["DJANGO_SETTINGS_MODULE"] = "pronexis.settings"
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ["DEBUG"] = "0"
os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
os.environ["SMS_BACKEND"] = "notifications.sms.TwilioBackend"
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("SMS_RATE_PER_SENDER", "100000")
# DEBUG off refuses the development webhook secrets (pronexis.E001): bench-only ones.
for _secret in ("TWILIO_AUTH_TOKEN", "ANYMAIL_WEBHOOK_SECRET", "MAILGUN_WEBHOOK_SIGNING_KEY"):
    os.environ.setdefault(_secret, "bench-only:" + "y" * 32)

COUNT = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
DELAY = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
SENDER = "+18885550199"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fake_stats(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/_fake/stats", timeout=10) as response:
        return json.loads(response.read())


def fake_reset(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{url}/_fake/reset", data=b"{}", method="POST"), timeout=10).read()


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {what}")


def baseline(url: str, concurrency: int) -> float:
    """SMS/s of a plain HTTP client posting Twilio's create form to the fake server."""
    from django.conf import settings

    endpoint = f"{url}/2010-04-01/Accounts/{settings.TWILIO_ACCOUNT_SID}/Messages.json"
    local = threading.local()
    tag = uuid.uuid4().hex[:8]

    def send(i: int) -> None:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        session.auth = (settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)
        body = {"To": f"+1917555{i % 10000:04d}", "From": SENDER, "Body": f"baseline {tag} {i}"}
        response = session.post(endpoint, data=body, timeout=30)
        assert response.status_code == 201, response.text

    fake_reset(url)
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(send, range(COUNT)))
    elapsed = time.perf_counter() - started
    assert fake_stats(url)["total"] == COUNT
    return COUNT / elapsed


class Workers:
    def __init__(self, count: int, fake_url: str):
        self.processes = []
        env = {**os.environ, "TWILIO_API_BASE_URL": fake_url}
        for n in range(count):
            self.processes.append(
                subprocess.Popen(
                    [
                        str(ROOT / ".venv/bin/celery"),
                        "-A",
                        "pronexis",
                        "worker",
                        "-l",
                        os.environ.get("BENCH_WORKER_LOG_LEVEL", "warning"),
                        "-c",
                        "1",
                        "--without-mingle",
                        "--without-gossip",
                        "-n",
                        f"bench-notify-{n}-{uuid.uuid4().hex[:6]}@%h",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=open(os.environ["BENCH_WORKER_LOG"] + f".{count}.{n}", "ab")  # noqa: SIM115
                    if os.environ.get("BENCH_WORKER_LOG")
                    else subprocess.DEVNULL,
                    start_new_session=True,
                )
            )

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def make_rows(location, count: int, prefix: str) -> list[int]:
    from notifications.models import Notification

    rows = [
        Notification(
            location=location,
            kind="office_message",
            channel="sms",
            recipient=f"+1917555{i % 10000:04d}",
            sender=SENDER,
            body=f"ProNexis: new office message {prefix} {i}. Open: https://portal.example/n/x{i}/",
            idempotency_key=f"{prefix}:{i}",
            short_code=f"{prefix}{i}"[:12],  # a 7-character prefix: unique per run,
        )
        for i in range(count)
    ]
    Notification.objects.bulk_create(rows)
    return list(
        Notification.objects.filter(idempotency_key__in=[r.idempotency_key for r in rows]).values_list("id", flat=True)
    )


def sent(ids: list[int]) -> int:
    """How many of these rows are sent, asked by their id range: one bulk insert made them, so
    the range is theirs alone. Polled every 50 ms while the workers run, an `id IN (…6,000 ids)`
    count cost 26 ms of this process's CPU and about as much of PostgreSQL's, half a core taken
    from the two cores the workers share; the range costs 0.7 ms."""
    from notifications.models import Notification

    first, last = min(ids), max(ids)
    assert last - first + 1 == len(ids), "the rows' ids are not one run"
    return Notification.objects.filter(id__range=(first, last), status__in=["sent", "delivered"]).count()


def celery_run(url: str, location, workers: int) -> float:
    from notifications.outbox import enqueue

    pool = Workers(workers, url)
    try:
        # Two full batches per worker process, so each has started and, like a long-running
        # worker, has its sending threads and their kept-alive connections (the first batch of a
        # fresh process builds 50 Twilio clients: 0.35-0.63 s against 0.27 s after).
        from django.conf import settings

        size = settings.NOTIFICATION_BATCH_SIZE
        warm = make_rows(location, workers * 2 * size, f"w{uuid.uuid4().hex[:6]}")
        for start in range(0, len(warm), size):
            enqueue(warm[start : start + size])
        wait_for(lambda: sent(warm) == len(warm), 120, "the workers to start")
        fake_reset(url)
        ids = make_rows(location, COUNT, f"n{uuid.uuid4().hex[:6]}")
        started = time.perf_counter()
        assert enqueue(ids) == len(ids)
        wait_for(lambda: sent(ids) == len(ids), 600, "every SMS to be sent")
        elapsed = time.perf_counter() - started
    finally:
        pool.stop()
    stats = fake_stats(url)
    assert stats["total"] == COUNT and not stats["duplicates"], stats
    return COUNT / elapsed


def main() -> None:
    import django

    django.setup()
    import redis

    from accounts.models import Location

    location = (
        Location.objects.filter(memberships__user__email="bench-100k@example.test").first() or Location.objects.first()
    )
    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    broker.flushdb()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    fake = subprocess.Popen(
        [sys.executable, "-m", "notifications.fake_twilio", "--port", str(port), "--delay", str(DELAY)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    rows = []
    try:
        wait_for(lambda: _reachable(url), 20, "the fake Twilio server")
        for concurrency in (1, 2):
            plain = baseline(url, concurrency)
            through_celery = celery_run(url, location, concurrency)
            rows.append((concurrency, plain, through_celery))
            print(f"{concurrency}: baseline {plain:.0f}/s, celery {through_celery:.0f}/s", file=sys.stderr)
    finally:
        os.killpg(fake.pid, signal.SIGTERM)
        fake.wait(timeout=10)
        broker.flushdb()
    print(f"\n{COUNT} SMS per run, fake server answer delay {DELAY * 1000:.0f} ms\n")
    print("| senders | plain HTTP client (SMS/s) | Celery workers (SMS/s) | ratio Celery / plain |")
    print("|---:|---:|---:|---:|")
    for concurrency, plain, through_celery in rows:
        print(f"| {concurrency} | {plain:.0f} | {through_celery:.0f} | {through_celery / plain:.2f} |")


def _reachable(url: str) -> bool:
    try:
        fake_stats(url)
        return True
    except OSError:
        return False


if __name__ == "__main__":
    main()
