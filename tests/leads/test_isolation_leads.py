"""The leads routes through the isolation matrix on their own (tests/test_isolation.py walks all)."""

import pytest

from tests.isolation import find_leaks, object_routes

LEAD_ROUTE_NAMES = {"lead_detail", "lead_status", "api_lead_status", "api_call_queue_outcome"}


@pytest.mark.django_db
def test_lead_routes_do_not_leak(tenant_a, tenant_b):
    routes = [r for r in object_routes() if r.name in LEAD_ROUTE_NAMES]
    assert {r.name for r in routes} == LEAD_ROUTE_NAMES
    assert find_leaks(routes, tenant_a, tenant_b) == []
