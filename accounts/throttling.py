"""API throttles (#9 item 8): each API token has its own budget, so one runaway integration
cannot starve the others; the portal's own session calls have one per user. Over budget → 429
with `Retry-After` (DRF). Rates come from settings.API_THROTTLE_RATES, read per request so
operators (environment) and tests (`settings` fixture) can change them.

DRF's own throttle reads the request history from the cache and writes it back: two Redis round
trips on every API call, and two concurrent calls can both pass the last place. With Redis, one
Lua script keeps the history as a sorted set and checks and records in one atomic round trip
(issue #17: a tenth of the slots API's time); without it (one process, tests), DRF's way."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from pronexis.cache import RedisCache

from .models import ApiToken

logger = logging.getLogger(__name__)

# KEYS[1] the history (a sorted set of request times); ARGV now, window (seconds), limit, a unique
# member. Returns 0 when the request is allowed (and recorded), else the seconds until the oldest
# request in the window leaves it.
WINDOW_SCRIPT = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
  return tostring(window - (now - tonumber(oldest)))
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(window))
return 0
"""


def _redis():
    """The default cache's Redis client, or None when the cache is not Redis."""
    backend = caches["default"]
    return backend._cache.get_client(write=True) if isinstance(backend, RedisCache) else None


class _SettingsRateThrottle(SimpleRateThrottle):
    # Not DRF's "throttle_%(scope)s_%(ident)s": a process of the previous release reading this
    # sorted set as its list during a rolling deploy would fail every call (WRONGTYPE).
    cache_format = "throttle-window_%(scope)s_%(ident)s"
    _wait = None

    def get_rate(self):
        return settings.API_THROTTLE_RATES[self.scope]

    def allow_request(self, request, view):
        redis = _redis()
        if redis is None:
            return super().allow_request(request, view)
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        try:
            wait = redis.eval(
                WINDOW_SCRIPT,
                1,
                caches["default"].make_and_validate_key(self.key),
                repr(self.timer()),
                self.duration,
                self.num_requests,
                uuid.uuid4().hex,
            )
        except Exception:  # Redis down: the API answers unthrottled rather than failing
            logger.warning("API throttle unavailable", exc_info=True)
            return True
        self._wait = float(wait)
        return self._wait <= 0

    def wait(self):
        return super().wait() if self._wait is None else self._wait


class TokenRateThrottle(_SettingsRateThrottle):
    scope = "token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        # The key's hash, not the row id: ids restart with a fresh database, hashes do not.
        return self.cache_format % {"scope": self.scope, "ident": request.auth.key_hash}


class SessionRateThrottle(_SettingsRateThrottle):
    scope = "session"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken) or not request.user.is_authenticated:
            return None  # tokens: TokenRateThrottle; anonymous requests are refused before this
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
