"""Scale-out, proven (issue #17): two web servers, two Celery workers and two beats on one
PostgreSQL database and one Redis database (marked `worker`).

- a session started on web server A (the agent's log-in) continues on server B, and logging out
  on B ends it on A: sessions live in PostgreSQL (SESSION_ENGINE), so any server behind a load
  balancer serves any request;
- an office message sent through either server (one over A, one over B, same session) reaches
  the fake Twilio server exactly once per number of the Location's distribution list;
- one beat leads: celery-redbeat's lock in Redis lets one beat send the schedule (each entry of
  CELERY_BEAT_SCHEDULE and a probe entry due every second), the other waits; SIGKILL the leader
  and the other takes over once the lock expires (BEAT_LOCK_TIMEOUT, short here).
"""

from __future__ import annotations

import os
import re
import time

import pytest
import requests
from django.conf import settings

from notifications.fake_twilio import FakeTwilio
from notifications.models import Notification
from tests.factories import PASSWORD, LocationPhoneNumberFactory

from .support_processes import (
    celery_beat,
    celery_worker,
    claim_redis_database,
    database_url,
    free_port,
    gunicorn,
    reachable,
    wait_for,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LOCK_TIMEOUT = 5  # seconds: the beat lock's expiry after its holder's last renewal
STARTUP = 90  # seconds six Django processes may take to start on a loaded 2-core machine
DISTRIBUTION = ["+19175550131", "+19175550132", "+19175550133"]
PROBE = "scale-out-probe"
SENT = re.compile(r"Scheduler: Sending due task (\S+)")


@pytest.fixture
def cluster(request, tmp_path):
    """Fake Twilio in this process; two gunicorn servers, two workers and two beats on the test
    database and a Redis database of this test's own; every process killed at the end."""
    redis_url, redis_client = claim_redis_database()
    fake = FakeTwilio.start(delay=0.01)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "CONN_MAX_AGE": "0",  # the test database is truncated after the test: no idle sessions held
        "DEBUG": "0",
        "TESTING": "1",  # the fixtures' password hasher, local hosts allowed, no HTTPS redirect
        "SMS_BACKEND": "notifications.sms.TwilioBackend",
        "TWILIO_API_BASE_URL": fake.url,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "BEAT_LOCK_TIMEOUT": str(LOCK_TIMEOUT),
    }
    ports = free_port(), free_port()
    programs = {
        "web_a": gunicorn("web-a", ports[0], env, tmp_path),
        "web_b": gunicorn("web-b", ports[1], env, tmp_path),
        "worker_a": celery_worker("worker-a", env, tmp_path),
        "worker_b": celery_worker("worker-b", env, tmp_path),
        "beat_a": celery_beat("beat-a", env, tmp_path),
        "beat_b": celery_beat("beat-b", env, tmp_path),
    }
    cluster = type("Cluster", (), {})()
    cluster.__dict__.update(programs, fake=fake, redis=redis_client, urls=[f"http://127.0.0.1:{p}" for p in ports])
    failed_before = request.session.testsfailed
    try:
        _add_probe_entry(redis_url)
        for program in programs.values():
            program.start()
        yield cluster
    finally:
        for program in programs.values():
            program.kill()
            if request.session.testsfailed > failed_before:  # the processes' own story
                print(f"--- {program.name} ---\n{program.output()[-3000:]}")
        fake.stop()
        redis_client.flushdb()


def _add_probe_entry(redis_url: str) -> None:
    """A schedule entry due every second, stored in Redis beside the settings' entries (redbeat
    keeps the whole schedule there): which beat sends it shows which beat leads, every second."""
    from celery import Celery
    from celery.schedules import schedule
    from redbeat.schedulers import RedBeatSchedulerEntry

    app = Celery("scale-out-probe", set_as_current=False)
    app.conf.update(redbeat_redis_url=redis_url, redbeat_redis_options={}, timezone="UTC")
    RedBeatSchedulerEntry(PROBE, "accounts.tasks.purge_idempotency_keys", schedule(1), app=app).save()


def sent_by(beat) -> list[str]:
    return SENT.findall(beat.output())


def leads(beat) -> bool:
    return "beat: Acquired lock" in beat.output()


def log_in(session: requests.Session, base: str, user) -> None:
    session.get(f"{base}/accounts/login/", timeout=30).raise_for_status()
    response = session.post(
        f"{base}/accounts/login/",
        data={"username": user.email, "password": PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        timeout=30,
    )
    assert response.status_code == 200 and response.url.endswith("/agent/"), (response.status_code, response.url)


def take_message(session: requests.Session, base: str, location, body: str) -> int:
    payload = {"location": location.pk, "caller_name": "Pat Caller", "callback_number": "(347) 555-0199"}
    payload |= {"category": "existing_customer", "urgent": False, "body": body}
    response = session.post(
        f"{base}/api/v1/messages/", json=payload, headers={"X-CSRFToken": session.cookies["csrftoken"]}, timeout=30
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_two_servers_two_workers_two_beats_share_sessions_send_once_and_one_beat_leads(cluster, tenant_a, agent):
    location = tenant_a.location
    location.sms_distribution_enabled, location.sms_distribution_list = True, DISTRIBUTION
    location.save()
    LocationPhoneNumberFactory(location=location, number="+17185550191", sends_sms=True)
    server_a, server_b = cluster.urls
    for url in cluster.urls:
        wait_for(lambda url=url: reachable(f"{url}/healthz/"), STARTUP, step=0.25, what=f"gunicorn at {url}")

    # The agent logs in on A; B serves the same session: the console page, then a write.
    browser = requests.Session()
    log_in(browser, server_a, agent)
    console = browser.get(f"{server_b}/agent/", timeout=30, allow_redirects=False)
    assert console.status_code == 200, "server B did not know the session started on server A"
    assert agent.email in console.text or agent.full_name in console.text
    sent_through = {server_a: take_message(browser, server_a, location, "Through A")}
    sent_through[server_b] = take_message(browser, server_b, location, "Through B")
    # Logging out on B ends the session on A too (one session store, not a cookie per server).
    kept = dict(browser.cookies)
    browser.post(f"{server_b}/accounts/logout/", data={"csrfmiddlewaretoken": kept["csrftoken"]}, timeout=30)
    replay = requests.get(f"{server_a}/agent/", cookies=kept, timeout=30, allow_redirects=False)
    assert replay.status_code == 302 and "/accounts/login/" in replay.headers["Location"]

    # One beat leads: it sends every entry of the schedule; the other waits for the lock.
    beats = (cluster.beat_a, cluster.beat_b)
    leader = wait_for(lambda: next((b for b in beats if leads(b)), None), STARTUP, step=0.25, what="a beat leading")
    follower = cluster.beat_b if leader is cluster.beat_a else cluster.beat_a
    wait_for(lambda: sent_by(leader).count(PROBE) >= 3, 30, step=0.25, what="the leader's probe, three times")
    assert set(sent_by(leader)) == {PROBE}  # the settings' entries are first due after their interval
    # ... and the settings' schedule is in Redis, each entry due within its interval.
    assert {name.decode() for name in cluster.redis.smembers("redbeat::statics")} == set(settings.CELERY_BEAT_SCHEDULE)
    due = dict(cluster.redis.zrange("redbeat::schedule", 0, -1, withscores=True))
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert 0 < due[f"redbeat:{name}".encode()] - time.time() <= entry["schedule"], name
    assert follower.running and not leads(follower) and sent_by(follower) == []
    assert 0 < cluster.redis.ttl("redbeat::lock") <= LOCK_TIMEOUT

    # SIGKILL the leader (no lock release): the follower takes over once the lock expires.
    leader.kill()
    killed_at = time.monotonic()
    wait_for(lambda: PROBE in sent_by(follower), LOCK_TIMEOUT + 25, step=0.1, what="the other beat to take over")
    takeover = time.monotonic() - killed_at
    assert leads(follower)
    print(f"beat takeover after SIGKILL: {takeover:.1f} s (lock timeout {LOCK_TIMEOUT} s)")
    # It waited for the lock to expire, no longer than the timeout plus its retry interval
    # (1 s) and a loaded machine's slack; the entries the leader sent are not sent again.
    assert takeover <= LOCK_TIMEOUT + 10
    assert set(sent_by(follower)) == {PROBE}

    # Each message's text reached each number of the distribution list once, whichever server
    # took it and whichever worker sent it.
    expected = len(sent_through) * len(DISTRIBUTION)
    wait_for(lambda: cluster.fake.stats()["total"] >= expected, 60, step=0.25, what=f"{expected} texts")
    sms = Notification.objects.filter(channel="sms", subject_id__in=sent_through.values())
    wait_for(lambda: sms.filter(status="sent").count() == expected, 30, step=0.25, what="the rows marked sent")
    # Nothing left to deliver (the beat stopped, the queue and the unacknowledged tasks empty):
    # a second send of any text would have happened by now.
    follower.stop()
    wait_for(lambda: cluster.redis.llen("pronexis") + cluster.redis.hlen("unacked") == 0, 30, what="an empty queue")
    stats = cluster.fake.stats()
    assert stats["duplicates"] == [] and stats["total"] == stats["distinct"] == expected
    assert stats["per_to"] == {number: len(sent_through) for number in DISTRIBUTION}
    texts = {(message["to"], message["body"]) for message in cluster.fake.messages}
    assert texts == set(sms.values_list("recipient", "body"))
