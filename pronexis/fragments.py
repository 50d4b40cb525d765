"""Content-keyed row fragments: a row's HTML rendered once, then read from the cache (issue #17).

The pattern of calendars/cards.py, for any list of rows: each fragment's key is made of
everything it shows (the caller's `shown` values) and of the sources of the templates and modules
that draw it (the row template, what it includes, the filters and properties it calls), so a
changed row or a new deploy is a new key — nothing needs invalidating and no one sees a stale
or another tenant's row. The CSRF token is a placeholder in the cache and the request's own
token in the page; per-request texts (an age, "due in 5 min") are left as the caller's
placeholders and filled by the caller. A cache that is down costs speed, never the page.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

from django.core.cache import cache as fragment_cache
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

logger = logging.getLogger(__name__)

CSRF_PLACEHOLDER = "__pronexis_fragment_csrf__"
TTL_SECONDS = 7 * 24 * 3600


@cache
def code_digest(templates: tuple[str, ...], modules: tuple[str, ...] = ()) -> str:
    """The digest of the templates' sources (the first draws the row, the others are what it
    includes) and of the Python modules that make its context (filters, properties): a deploy
    that changes how a row is drawn is a new key."""
    sources = [get_template(name).template.source for name in templates]
    sources += [Path(importlib.import_module(name).__file__).read_text() for name in modules]
    return hashlib.blake2b("\0".join(sources).encode(), digest_size=8).hexdigest()


def fragment_key(prefix: str, code: str, shown) -> str:
    digest = hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()
    return f"{prefix}:{code}:{digest}"


def cached_fragments(keys: list[str]) -> dict:
    """The fragments found under these keys (none when the cache cannot be read)."""
    try:
        return fragment_cache.get_many(keys)
    except Exception:  # the cache is an accelerator: Redis down renders every row
        logger.warning("fragment cache unreadable", exc_info=True)
        return {}


def store_fragments(rendered: dict) -> None:
    """Keep these fragments (a cache that cannot be written costs speed only)."""
    try:
        fragment_cache.set_many(rendered, timeout=TTL_SECONDS)
    except Exception:
        logger.warning("fragment cache unwritable", exc_info=True)


def render_rows(
    request,
    *,
    prefix: str,
    templates: tuple[str, ...],
    modules: tuple[str, ...] = (),
    rows: Sequence[tuple[object, Callable[[], dict]]],
) -> list[SafeString]:
    """The HTML of each row, in order: `rows` are (shown, context) pairs — `shown` every value
    the row's HTML depends on (repr-able), `context()` the template context, called only for the
    rows not in the cache. One cache read, one write for the rows not seen before."""
    if not rows:
        return []
    code = code_digest(templates, modules)
    keys = [fragment_key(prefix, code, shown) for shown, _ in rows]
    found = cached_fragments(keys)
    missing = {}
    template = get_template(templates[0])
    for key, (_, context) in zip(keys, rows, strict=True):
        if key not in found:
            found[key] = missing[key] = template.render({**context(), "csrf_token": CSRF_PLACEHOLDER})
    if missing:
        store_fragments(missing)
    token = get_token(request)
    # Our own templates' output, escaped when rendered; the token is a plain string.
    return [mark_safe(found[key].replace(CSRF_PLACEHOLDER, token)) for key in keys]  # noqa: S308
