"""The per-sender SMS rate limit: a token bucket in the real Redis (notifications.rate_limit).

Times are passed explicitly (`now`, epoch seconds), so nothing here depends on the clock."""

from __future__ import annotations

import threading
import uuid

import pytest
import redis

from notifications import rate_limit
from notifications.rate_limit import sms_tokens_take

T0 = 1_900_000_000.0


@pytest.fixture
def sender(settings):
    """A sender of this test only, its bucket removed afterwards; 10 texts/s, burst 10."""
    settings.SMS_RATE_PER_SENDER, settings.SMS_RATE_BURST = 10, 10
    name = f"+1555{uuid.uuid4().int % 10**7:07d}"
    yield name
    redis.Redis.from_url(settings.REDIS_URL).delete(rate_limit.KEY_PREFIX + name)


def test_a_quiet_sender_sends_its_burst_then_waits_for_the_next_token(sender):
    assert sms_tokens_take(sender=sender, count=4, now=T0) == (4, 0.0)
    granted, wait = sms_tokens_take(sender=sender, count=10, now=T0)
    assert granted == 6 and wait == pytest.approx(0.1)  # 10/s: the next token in 0.1 s
    assert sms_tokens_take(sender=sender, count=1, now=T0 + 0.05) == (0, pytest.approx(0.05))
    assert sms_tokens_take(sender=sender, count=5, now=T0 + 0.35)[0] == 3  # refilled 3.5 tokens
    # The half token left is kept: one more token after another 0.05 s.
    assert sms_tokens_take(sender=sender, count=1, now=T0 + 0.41)[0] == 1


def test_the_bucket_never_holds_more_than_the_burst(sender):
    sms_tokens_take(sender=sender, count=10, now=T0)
    granted, wait = sms_tokens_take(sender=sender, count=50, now=T0 + 3600)
    assert granted == 10 and wait == pytest.approx(0.1)


def test_each_sender_has_its_own_bucket(sender, settings):
    other = sender + "9"
    try:
        assert sms_tokens_take(sender=sender, count=10, now=T0) == (10, 0.0)
        assert sms_tokens_take(sender=other, count=10, now=T0) == (10, 0.0)
        assert sms_tokens_take(sender=sender, count=1, now=T0)[0] == 0
    finally:
        redis.Redis.from_url(settings.REDIS_URL).delete(rate_limit.KEY_PREFIX + other)


def test_workers_taking_at_once_share_one_bucket(sender):
    """20 takers at the same instant (as 20 worker threads or processes would): the script is
    atomic, so exactly the burst is granted — never more, none lost."""
    results, start = [], threading.Barrier(20)

    def take():
        start.wait(timeout=10)
        results.append(sms_tokens_take(sender=sender, count=1, now=T0)[0])

    threads = [threading.Thread(target=take) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(results) == [0] * 10 + [1] * 10


def test_an_unused_bucket_expires(sender, settings):
    sms_tokens_take(sender=sender, count=1, now=T0)
    ttl = redis.Redis.from_url(settings.REDIS_URL).pttl(rate_limit.KEY_PREFIX + sender)
    assert 0 < ttl <= 61_000  # a second's burst refills in 1 s; a minute of slack


def test_redis_time_is_the_clock_when_none_is_given(sender):
    """Production passes no `now`: every worker is timed by Redis's one clock."""
    assert sms_tokens_take(sender=sender, count=10) == (10, 0.0)
    granted, wait = sms_tokens_take(sender=sender, count=1)
    assert granted in (0, 1) and 0 <= wait <= 0.1


def test_no_limit_when_the_rate_is_zero(settings):
    settings.SMS_RATE_PER_SENDER = 0
    assert sms_tokens_take(sender="+15550000000", count=10_000, now=T0) == (10_000, 0.0)


def test_a_burst_below_one_token_still_sends(sender, settings):
    settings.SMS_RATE_PER_SENDER, settings.SMS_RATE_BURST = 0.5, 0.5  # one text every 2 s
    assert sms_tokens_take(sender=sender, count=3, now=T0) == (1, pytest.approx(2.0))


def test_unreachable_redis_does_not_hold_texts_back(settings, caplog):
    settings.SMS_RATE_PER_SENDER = 1
    settings.REDIS_URL, settings.REDIS_TIMEOUT = "redis://127.0.0.1:1/0", 0.5  # nothing listens on port 1
    assert sms_tokens_take(sender="+15550000001", count=5, now=T0) == (5, 0.0)
    assert "could not reach Redis" in caplog.text


def test_without_redis_the_bucket_is_in_memory(settings):
    settings.REDIS_URL, settings.SMS_RATE_PER_SENDER, settings.SMS_RATE_BURST = None, 2, 2
    name = f"+1555{uuid.uuid4().int % 10**7:07d}"
    assert sms_tokens_take(sender=name, count=3, now=T0) == (2, pytest.approx(0.5))
    assert sms_tokens_take(sender=name, count=3, now=T0 + 1) == (2, pytest.approx(0.5))
