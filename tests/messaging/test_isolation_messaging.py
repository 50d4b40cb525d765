"""The isolation matrix restricted to messaging's routes (the full one lives in tests/test_isolation.py)."""

import pytest

from tests.isolation import find_leaks, object_routes

MESSAGING_NAMES = {
    "message_detail",
    "message_mark_unread",
    "notification_short_link",
    "api_lead_sms",
}


@pytest.mark.django_db
def test_messaging_routes_do_not_leak(tenant_a, tenant_b):
    routes = [r for r in object_routes() if r.name in MESSAGING_NAMES]
    assert {r.name for r in routes} == MESSAGING_NAMES
    leaks = find_leaks(routes, tenant_a, tenant_b)
    assert leaks == [], "\n".join(map(str, leaks))
