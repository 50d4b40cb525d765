"""VAPID keys (RFC 8292) for Web Push: made by `manage.py vapid_keys`, checked for production by
pronexis.checks (E002), used by notifications.push. Keys in the forms browsers and pywebpush
take: the private key as its raw 32 bytes, the public key as the uncompressed P-256 point, both
base64url without padding."""

from __future__ import annotations

import base64
import re

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


def decode_base64url(value: str) -> bytes:
    """Strict base64url (padding optional), as browsers write the keys; ValueError otherwise."""
    stripped = value.rstrip("=") if isinstance(value, str) else ""
    if not BASE64URL.fullmatch(stripped) or len(stripped) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))


def generate_vapid_keys() -> dict:
    """A new P-256 key pair in the forms the settings take: the private key as its raw 32 bytes
    and the public key as the uncompressed point, both base64url (the public one is what the
    browser's `applicationServerKey` wants)."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"private_key": _b64url(private), "public_key": _b64url(public)}


def vapid_public_key_of(private_key: str) -> str:
    """The public key (base64url uncompressed point) of a base64url raw private key; ValueError
    when it is not one."""
    raw = decode_base64url(private_key)
    if len(raw) != 32:
        raise ValueError("a VAPID private key is 32 bytes")
    key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return _b64url(public)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
