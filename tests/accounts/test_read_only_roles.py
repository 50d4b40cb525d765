"""DESIGN.md "Tenancy": viewers and brand leadership are read only — a POST anywhere in the
portal (pages and API, session auth) on their own tenant answers 403 (or 405), or is a read
page answering as for a GET and writing nothing (no INSERT / UPDATE / DELETE besides the
session) — never a 400/409, which would mean the input was checked before the role.

Derived from the URL resolver like the isolation matrix: a new POST view joins by itself.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from tests.isolation import CAPABILITY_ROUTES, OBJECT_KWARGS, SKIPPED_PREFIXES, _route_text

_PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")

# POSTs that change only the user's own session or account, not tenant data.
PERSONAL = {
    "switch_location": "the header switcher (session)",
    "logout": "the user's own session",
    "login": "signing in",
    "password_change": "the user's own password",
    "password_reset": "the user's own password",
    "message_mark_unread": "read/unread is per user (DESIGN.md)",
    "api_push_subscriptions_create": "the user's own browser, for their own notifications",
    "api_push_subscription_delete": "the user's own browser",
    "push_device_remove": "the user's own browser",
}


def _writes_tenant_data(sql: str) -> bool:
    statement = sql.lstrip().split(None, 1)[0].upper()
    if statement not in ("INSERT", "UPDATE", "DELETE"):
        return False
    return not re.search(r'"(django_session|axes_\w+|accounts_user)"', sql)


def _routes():
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + _route_text(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                if route.startswith(SKIPPED_PREFIXES) or pattern.name in CAPABILITY_ROUTES:
                    continue
                if pattern.name in PERSONAL or route.startswith("agent/"):
                    continue
                found.append((route, pattern.name, [m.group("name") for m in _PARAM.finditer(route)]))

    walk(get_resolver().url_patterns, "")
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["viewer", "brand"])
def test_read_only_roles_cannot_change_anything(tenant_a, role):
    values: dict[str, object] = {}
    client = Client(raise_request_exception=False)
    client.force_login(tenant_a.user(role))
    wrong = []
    for route, name, kwargs in _routes():
        url = "/" + route
        for kwarg in kwargs:
            if kwarg not in values:
                values[kwarg] = OBJECT_KWARGS[kwarg](tenant_a)
            url = _PARAM.sub(lambda m, k=kwarg: str(values[k]) if m.group("name") == k else m.group(0), url)
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, HTTP_ACCEPT="application/json, text/html")
        writes = [q["sql"][:80] for q in queries if _writes_tenant_data(q["sql"])]
        # A write view reached without its role check would write, or refuse the empty input (4xx).
        if response.status_code not in (403, 405) and (writes or response.status_code >= 400):
            wrong.append(f"{role} POST {url} ({name}) → {response.status_code}: {writes}")
    assert wrong == [], "\n".join(wrong)
