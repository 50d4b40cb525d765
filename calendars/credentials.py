"""CalDAV app passwords at rest: Fernet with a key from settings (DESIGN.md "Calendar truth").

`CALENDAR_CREDENTIALS_KEY` is a Fernet key (32 url-safe base64 bytes); without one the key is
derived from SECRET_KEY, so a development database still works and rotating SECRET_KEY makes
stored passwords unreadable (the source then fails with a clear message and is re-entered).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    key = settings.CALENDAR_CREDENTIALS_KEY
    if not key:
        key = base64.urlsafe_b64encode(hashlib.sha256(f"calendar-credentials:{settings.SECRET_KEY}".encode()).digest())
    return Fernet(key)


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode() if secret else ""


def decrypt(token: str) -> str:
    """The stored password; ValueError when the key changed since it was stored."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("The stored password cannot be read (the encryption key changed): enter it again.")
