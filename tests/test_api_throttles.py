"""API throttles (#9 item 8): per token (each integration its own budget) and per signed-in
user for session calls; over the rate → 429 with `Retry-After` and a JSON detail. Rates are
settings (API_THROTTLE_RATES) so tests and operators set them."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.conftest import session_api, token_client

URL = "/api/v1/leads/"


@pytest.fixture
def tight_rates(settings):
    settings.API_THROTTLE_RATES = {"token": "3/minute", "session": "2/minute"}


def _assert_throttled(response):
    assert response.status_code == 429, response.content
    assert int(response["Retry-After"]) > 0
    assert "throttled" in response.json()["detail"].lower()


@pytest.mark.django_db
def test_default_rates_come_from_settings(settings):
    assert settings.API_THROTTLE_RATES == {"token": "600/minute", "session": "600/minute"}


@pytest.mark.django_db
def test_each_token_has_its_own_budget(agent, tight_rates):
    first, second = token_client(agent, "agent"), token_client(agent, "agent")
    assert [first.get(URL).status_code for _ in range(3)] == [200, 200, 200]
    _assert_throttled(first.get(URL))
    _assert_throttled(first.post(URL, {}, format="json"))  # writes share the token's budget
    assert second.get(URL).status_code == 200


@pytest.mark.django_db
def test_session_calls_are_throttled_per_user(tenant_a, tight_rates):
    cache.delete(f"throttle-window_session_{tenant_a.owner.pk}")  # ids restart with each test database
    client = session_api(tenant_a.owner)
    assert [client.get(URL).status_code for _ in range(2)] == [200, 200]
    _assert_throttled(client.get(URL))
    assert token_client(tenant_a.owner, "location").get(URL).status_code == 200


@pytest.mark.django_db
def test_every_api_operation_is_throttled(agent, settings):
    """The throttle is the API's default: no view opts out (each URL checked with a spent token)."""
    from tests.test_security import _api_routes, _session_only

    settings.API_THROTTLE_RATES = {"token": "1/minute", "session": "1/minute"}
    for route in _api_routes():
        if _session_only(route):  # a browser's own push subscription: the session's budget
            cache.delete(f"throttle-window_session_{agent.pk}")
            client = session_api(agent)
        else:
            client = token_client(agent, "agent")
        client.get("/" + route)
        _assert_throttled(client.post("/" + route, {}, format="json"))


@pytest.mark.django_db
def test_the_budget_is_checked_and_spent_in_one_redis_call(agent, tight_rates, monkeypatch):
    """One atomic script per call (accounts.throttling.WINDOW_SCRIPT), no read-then-write race."""
    from accounts import throttling

    client, calls = throttling._redis(), []

    class Counting:
        def eval(self, *args):
            calls.append(args[0])
            return client.eval(*args)

    monkeypatch.setattr(throttling, "_redis", Counting)
    api = token_client(agent, "agent")
    assert [api.get(URL).status_code for _ in range(3)] == [200, 200, 200]
    _assert_throttled(api.get(URL))
    assert calls == [throttling.WINDOW_SCRIPT] * 4


@pytest.mark.django_db
def test_a_redis_that_is_down_lets_api_calls_through(agent, tight_rates, monkeypatch):
    from accounts import throttling

    class Down:
        def eval(self, *args):
            raise ConnectionError("redis down")

    monkeypatch.setattr(throttling, "_redis", Down)
    api = token_client(agent, "agent")
    assert [api.get(URL).status_code for _ in range(5)] == [200] * 5


@pytest.mark.django_db
def test_the_previous_releases_history_is_left_alone(tenant_a, tight_rates):
    """DRF's own key (a list) and ours (a sorted set) never meet: during a rolling deploy neither
    release reads the other's value as its own type."""
    old_key = f"throttle_session_{tenant_a.owner.pk}"
    cache.set(old_key, [0.0, 0.0, 0.0], 60)
    cache.delete(f"throttle-window_session_{tenant_a.owner.pk}")
    client = session_api(tenant_a.owner)
    assert [client.get(URL).status_code for _ in range(2)] == [200, 200]
    _assert_throttled(client.get(URL))
    assert cache.get(old_key) == [0.0, 0.0, 0.0]
