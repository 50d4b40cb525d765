"""The web idioms every view shares, written once (NetBox's `utilities/htmx.py` habit).

- The partial or the page: `if request.htmx` (pronexis.htmx gives it one meaning everywhere).
- `safe_next(request, default)`: the `next` a form carried, only when it stays on this site.
- `refusal_status(error)` / `error_text(error)`: one mapping from a service's refusal to a
  response — Refused 409, ValidationError 400, PermissionDenied 403 — for HTML, HTMX and JSON
  alike (the API's own handler, pronexis.api, answers JSON with the same statuses).
- `encode_cursor` / `decode_cursor`: one opaque keyset cursor (created_at, id) for every
  newest-first list.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.http import url_has_allowed_host_and_scheme

from .errors import Refused


def safe_next(request, default: str, *, within: str = "/") -> str:
    """The `next` field (POST, then the query string) when it is a path on this host under
    `within`; `default` otherwise — never an open redirect."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    on_this_site = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if target and on_this_site and target.startswith(within):
        return target
    return default


def refusal_status(error: Exception) -> int:
    """409 for a rule's refusal, 403 for a role's, 400 for invalid input."""
    if isinstance(error, Refused):
        return 409
    if isinstance(error, PermissionDenied):
        return 403
    return 400


def error_text(error: Exception) -> str:
    """A refusal in the words shown in place (a ValidationError's messages joined)."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def encode_cursor(created_at: datetime, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """(created_at, id) from `encode_cursor`; None for an empty or forged cursor (page one)."""
    if not cursor:
        return None
    try:
        stamp, pk = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split("|")
        value = datetime.fromisoformat(stamp)
        if value.tzinfo is None:
            return None
        return value, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError):
        return None
