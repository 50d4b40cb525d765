"""Credentials of the accounts app: API tokens (only their hash stored), the idempotency keys of
retried creates, and each signed-in session. Re-exported by accounts.models."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone


# --- API tokens --------------------------------------------------------------------------
def hash_token_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A named, revocable API key; only its SHA-256 is stored, the key is shown once."""

    class Scope(models.TextChoices):
        AGENT = "agent", "Agent (all locations)"
        BRAND = "brand", "Brand (one brand's locations)"
        LOCATION = "location", "Location (the owner's locations)"

    name = models.CharField(max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    scope = models.CharField(max_length=10, choices=Scope.choices)
    brand = models.ForeignKey(
        "accounts.Brand", on_delete=models.CASCADE, null=True, blank=True, related_name="api_tokens"
    )
    prefix = models.CharField(max_length=12, db_index=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="brand", brand__isnull=False) | ~Q(scope="brand"),
                name="brand_token_has_brand",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def clean(self):
        if self.scope == self.Scope.BRAND and not self.brand_id:
            raise ValidationError({"brand": "A brand token needs its brand."})

    @classmethod
    def issue(cls, *, user, name: str, scope: str, brand=None) -> tuple[ApiToken, str]:
        """Creates a token and returns it with its key, which is never stored in clear."""
        key = f"pnx_{secrets.token_urlsafe(32)}"
        token = cls(user=user, name=name, scope=scope, brand=brand, prefix=key[:12], key_hash=hash_token_key(key))
        token.full_clean()
        token.save()
        return token, key

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


# --- Idempotency keys ------------------------------------------------------------------------
class IdempotencyKey(models.Model):
    """One retried create's key and its first answer (issue #9 item 6): an API `Idempotency-Key`
    header or an agent console form's one-time token. The row is inserted in the create's own
    transaction, so a concurrent duplicate waits on the unique index and then replays the
    answer. Written and read only by pronexis/idempotency.py."""

    # Keys belong to who sent them: "token:<id>", "user:<id>" (API session), "form:<user id>".
    caller = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["caller", "key"], name="idempotency_key_unique_per_caller")]

    def __str__(self):
        return f"{self.caller} {self.key}"


# --- Signed-in sessions ------------------------------------------------------------------------
class UserSession(models.Model):
    """One signed-in session of a user (issue #14 "Sessions"): the session store cannot list a
    user's sessions, so each sign-in records its key here. Written by accounts/sessions.py."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    user_agent = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} since {self.created_at:%Y-%m-%d %H:%M}"
