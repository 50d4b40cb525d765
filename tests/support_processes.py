"""Real processes for the `worker` tests: free ports, polling waits, the test database's URL for
a subprocess, a Redis database of the test's own, and the portal's programs (gunicorn, a Celery
worker, a Celery beat) started in their own process group and killed with it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import suppress
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, step: float = 0.1, what: str = "condition"):
    """Polls `predicate` until it returns something truthy (returned) or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def database_url() -> str:
    """The settings' DATABASE_URL pointed at the test database (TCP, or the embedded server's
    socket given as `?host=`), so a subprocess sees the rows the test commits."""
    from django.conf import settings

    url = urlsplit(settings.DATABASE_URL)
    return urlunsplit(url._replace(path="/" + settings.DATABASES["default"]["NAME"]))


def claim_redis_database(first: int = 10, last: int = 15, ttl: int = 600):
    """A Redis database of this test alone (emptied), as (url, client): the first of
    `first`..`last` nobody has claimed. Several test runs share the machine's Redis (each
    developer's suite, CI): a claim key set with NX keeps two of them out of one database."""
    import redis
    from django.conf import settings

    base = urlsplit(settings.REDIS_URL or "redis://127.0.0.1:6379/0")
    for number in range(first, last + 1):
        url = urlunsplit(base._replace(path=f"/{number}"))
        client = redis.Redis.from_url(url)
        if client.set("pronexis-test:claimed", os.getpid(), nx=True, ex=ttl):
            for key in client.scan_iter():
                if key != b"pronexis-test:claimed":
                    client.delete(key)
            return url, client
    raise AssertionError(f"every Redis database {first}..{last} is claimed by another test run")


def reachable(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except OSError:
        return False


class Program:
    """One program of the portal (a list of arguments run from the project root) with its output
    in `log`, in its own process group so that killing it kills its children too."""

    def __init__(self, name: str, args: list[str], env: dict, log_dir: Path):
        self.name, self.args, self.env = name, args, env
        self.log = log_dir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> Program:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                self.args,
                cwd=ROOT,
                env={**self.env, "PYTHONUNBUFFERED": "1"},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL to the whole group: no shutdown handler runs (a crash, an OOM kill)."""
        if self.running:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self, timeout: float = 10) -> None:
        if self.running:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()


def gunicorn(name: str, port: int, env: dict, log_dir: Path) -> Program:
    args = [str(BIN / "gunicorn"), "pronexis.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"]
    return Program(name, args, env, log_dir)


def celery_worker(name: str, env: dict, log_dir: Path, concurrency: int = 1) -> Program:
    args = [str(BIN / "celery"), "-A", "pronexis", "worker", "-l", "warning", "-c", str(concurrency)]
    args += ["--without-mingle", "--without-gossip", "--without-heartbeat", "-n", f"{name}-{os.getpid()}@%h"]
    return Program(name, args, env, log_dir)


def celery_beat(name: str, env: dict, log_dir: Path) -> Program:
    return Program(name, [str(BIN / "celery"), "-A", "pronexis", "beat", "-l", "info"], env, log_dir)
