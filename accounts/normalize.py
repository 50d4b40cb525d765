"""Normalization of the values callers and forms type: postal codes, phone numbers and the
e-mail address people log in with."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError

_US_ZIP = re.compile(r"^(\d{5})(?:[-\s]?\d{4})?$")
_CA_POSTAL = re.compile(r"^([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z])\s?(\d[ABCEGHJ-NPRSTV-Z]\d)$")


def normalize_login_identifier(raw: str | None) -> str:
    """The one form of a login e-mail (stored on User, looked up at login, password reset and
    invitations, and the lockout key): NFKC as Django's username fields do, no surrounding
    space, lower case. Every spelling of one address must count against one lockout."""
    return unicodedata.normalize("NFKC", raw or "").strip().lower()


def axes_username(request, credentials: dict | None = None) -> str:
    """AXES_USERNAME_CALLABLE: django-axes keys failures and the lockout on the normalized
    identifier, so `Viewer@…`, `vIewer@…` and ` viewer@…` share one counter."""
    raw = (credentials or {}).get("username")
    if raw is None:
        raw = getattr(request, "data", request.POST).get("username")
    return normalize_login_identifier(raw)


def normalize_postal_code(raw: str) -> str:
    """US ZIP+4 → 5 digits; Canadian codes upper-case `A1A 1A1`. Anything else is refused."""
    value = (raw or "").strip().upper()
    if match := _US_ZIP.match(value):
        return match.group(1)
    if match := _CA_POSTAL.match(value):
        return f"{match.group(1)} {match.group(2)}"
    raise ValidationError(
        f"“{raw}” is not a postal code: use a US ZIP (12345 or 12345-6789) or a Canadian code (A1A 1A1).",
        code="postal_code",
    )


def normalize_phone(raw: str, region: str = "US") -> str:
    """Any way a person writes a North American (or +international) number → E.164."""
    try:
        number = phonenumbers.parse((raw or "").strip(), region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(f"“{raw}” is not a valid phone number.", code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=8192)  # pure, and a page of 50 leads formats 100 numbers (issue #17)
def format_phone(e164: str) -> str:
    """E.164 → how people read it, e.g. (212) 555-0100."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 1:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
