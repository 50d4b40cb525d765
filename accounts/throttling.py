"""API throttles (#9 item 8): each API token has its own budget, so one runaway integration
cannot starve the others; the portal's own session calls have one per user. Over budget → 429
with `Retry-After` (DRF). Rates come from settings.API_THROTTLE_RATES, read per request so
operators (environment) and tests (`settings` fixture) can change them."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class _SettingsRateThrottle(SimpleRateThrottle):
    def get_rate(self):
        return settings.API_THROTTLE_RATES[self.scope]


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
