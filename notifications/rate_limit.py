"""The per-sender SMS rate limit (issue #17): a token bucket per From number or Messaging
Service SID, shared by every worker.

Twilio accepts only so many texts per second from one sender (a US 10DLC long code 1/s or more
with its brand's trust score, toll-free 3/s, a short code or a Messaging Service's pool 100/s);
`SMS_RATE_PER_SENDER` says how many we send, `SMS_RATE_BURST` how many a quiet sender may send
at once. The bucket lives in Redis (one hash per sender: tokens left and when they were
counted) and one Lua script refills and takes from it atomically, so every worker process on
every machine draws from the same bucket, timed by Redis's own clock. Without `REDIS_URL` (one
process, tasks run eagerly) the bucket is in memory.

`sms_tokens_take` never blocks: it grants what the bucket has and says how long until the next
token. The caller sends what was granted and waits or queues the rest again (notifications
.batch): a text over the limit is late, never dropped and never sent twice.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time

from django.conf import settings

logger = logging.getLogger(__name__)

KEY_PREFIX = "pronexis:sms-rate:"

# KEYS[1] the sender's bucket; ARGV rate (tokens/s), burst (capacity), wanted, now (seconds;
# empty: Redis's clock). Returns {granted, seconds until the next token (string)}.
TAKE_SCRIPT = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate)
  at = now
end
local granted = math.max(0, math.min(want, math.floor(tokens)))
tokens = tokens - granted
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'at', string.format('%.6f', at))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst / rate + 60) * 1000))
local wait = 0
if granted < want then
  wait = (1 - tokens) / rate
end
return {granted, string.format('%.6f', wait)}
"""


def _limits() -> tuple[float, float]:
    rate = float(settings.SMS_RATE_PER_SENDER)
    # A bucket smaller than one token would never grant one.
    burst = max(float(getattr(settings, "SMS_RATE_BURST", 0) or rate), 1.0)
    return rate, burst


_clients: dict = {}
_clients_lock = threading.Lock()


def _script():
    """The registered script on this process's client (a forked worker makes its own)."""
    import redis

    key = (os.getpid(), settings.REDIS_URL)
    with _clients_lock:
        script = _clients.get(key)
        if script is None:
            timeout = getattr(settings, "REDIS_TIMEOUT", 2)
            client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=timeout, socket_connect_timeout=timeout)
            script = _clients[key] = client.register_script(TAKE_SCRIPT)
    return script


class _MemoryBucket:
    """The same bucket in this process, when there is no Redis to share it."""

    def __init__(self):
        self.lock = threading.Lock()
        self.state: dict[str, tuple[float, float]] = {}

    def take(self, key: str, rate: float, burst: float, want: int, now: float | None) -> tuple[int, float]:
        now = time.time() if now is None else now
        with self.lock:
            tokens, at = self.state.get(key, (burst, now))
            if now > at:
                tokens, at = min(burst, tokens + (now - at) * rate), now
            granted = max(0, min(want, math.floor(tokens)))
            tokens -= granted
            self.state[key] = (tokens, at)
        return granted, (1 - tokens) / rate if granted < want else 0.0


memory_bucket = _MemoryBucket()


def sms_tokens_take(*, sender: str, count: int, now: float | None = None) -> tuple[int, float]:
    """Takes up to `count` tokens from `sender`'s bucket: (granted, seconds until the next token
    when fewer than `count` were granted, else 0). `now` (epoch seconds) is for tests; by
    default Redis's clock times every worker's takes. A Redis that cannot be reached does not
    hold texts back (Twilio queues what exceeds a sender's rate; the broker is down then too,
    so little is being sent): logged, everything granted."""
    rate, burst = _limits()
    if rate <= 0 or count <= 0:
        return max(count, 0), 0.0
    key = KEY_PREFIX + sender
    if not settings.REDIS_URL:
        return memory_bucket.take(key, rate, burst, count, now)
    import redis

    try:
        granted, wait = _script()(keys=[key], args=[rate, burst, count, "" if now is None else f"{now:.6f}"])
    except redis.RedisError:
        logger.warning("the SMS rate limit could not reach Redis; sending without it", exc_info=True)
        return count, 0.0
    return int(granted), float(wait)
