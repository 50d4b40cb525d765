"""Shared fixtures: two tenants (A and B) with every role, agents and staff, API clients."""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo
from dataclasses import dataclass

import pytest
import time_machine
from django.conf import settings
from rest_framework.test import APIClient

from accounts.models import ApiToken, Location, User

from .factories import (
    BrandFactory,
    BrandMembershipFactory,
    LocationFactory,
    MembershipFactory,
    UserFactory,
    make_agent,
)


def pytest_configure(config):
    """TEST_CLOCK=<ISO instant> runs the whole session with the clock moved there (ticking), so
    CI can prove the suite does not depend on the hour it runs at (.ci/run)."""
    instant = os.environ.get("TEST_CLOCK")
    if instant:
        traveller = time_machine.travel(dt.datetime.fromisoformat(instant), tick=True)
        traveller.start()
        config._test_clock = traveller


def pytest_unconfigure(config):
    traveller = getattr(config, "_test_clock", None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config):
    if os.environ.get("TEST_CLOCK"):
        return f"clock moved to TEST_CLOCK={os.environ['TEST_CLOCK']}"


def pytest_sessionstart(session):
    """With REQUIRE_SERVICES=1 (CI), a missing PostgreSQL or Redis fails the run at once."""
    if os.environ.get("REQUIRE_SERVICES") != "1":
        return
    import psycopg2
    import redis

    url = settings.DATABASES["default"]
    psycopg2.connect(
        dbname="postgres", user=url.get("USER"), host=url.get("HOST"), port=url.get("PORT") or 5432
    ).close()
    if not settings.REDIS_URL:
        raise pytest.UsageError("REQUIRE_SERVICES=1 but REDIS_URL is not set")
    redis.Redis.from_url(settings.REDIS_URL).ping()


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Celery runs tasks in-process in tests even when REDIS_URL is set (CI sets it); tests
    marked `worker` talk to a real broker and worker instead."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    from pronexis.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture(autouse=True)
def _sms_locmem(settings):
    """Texts go to notifications.sms.outbox (like django.core.mail.outbox), emptied per test."""
    settings.SMS_BACKEND = "notifications.sms.LocmemBackend"
    # The per-sender rate limit's bucket lives in Redis, shared by every test process: off here,
    # on in the tests of the limit (tests/notifications/test_rate_limit.py, test_batch.py).
    settings.SMS_RATE_PER_SENDER = 0
    from notifications import sms

    sms.outbox.clear()
    yield
    sms.outbox.clear()


# A Wednesday noon in New York, far from midnight and from a DST change: tests whose rule
# depends on the time of day (business hours, the 24 h rule, quiet hours) pin the clock here.
WEDNESDAY_NOON = dt.datetime(2030, 3, 6, 12, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York"))


@pytest.fixture
def clock():
    """The clock pinned at WEDNESDAY_NOON (request it before any fixture that writes rows);
    `clock.shift(...)` / `clock.move_to(...)` move it."""
    with time_machine.travel(WEDNESDAY_NOON, tick=False) as traveller:
        yield traveller


@dataclass
class Tenant:
    """One Location with a user for each role; `brand_user` leads the Location's brand."""

    location: Location
    owner: User
    manager: User
    viewer: User
    brand_user: User

    @property
    def brand(self):
        return self.location.brand

    def user(self, role: str) -> User:
        return getattr(self, role if role != "brand" else "brand_user")


def make_tenant(**location_kwargs) -> Tenant:
    location = LocationFactory(**location_kwargs)
    users = {role: MembershipFactory(location=location, role=role).user for role in ("owner", "manager", "viewer")}
    brand_user = BrandMembershipFactory(brand=location.brand).user
    return Tenant(location=location, brand_user=brand_user, **users)


@pytest.fixture
def tenant_a(db) -> Tenant:
    return make_tenant(brand=BrandFactory(name="Brand A"), name="Location A")


@pytest.fixture
def tenant_b(db) -> Tenant:
    return make_tenant(brand=BrandFactory(name="Brand B"), name="Location B")


@pytest.fixture
def agent(db) -> User:
    return make_agent(email="agent@example.test")


@pytest.fixture
def staff(db) -> User:
    return UserFactory(email="staff@example.test", is_staff=True, is_superuser=True)


@pytest.fixture
def outsider(db) -> User:
    return UserFactory(email="outsider@example.test")


def token_client(user: User, scope: str = "agent", brand=None) -> APIClient:
    _, key = ApiToken.issue(user=user, name=f"{scope} token", scope=scope, brand=brand)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def agent_api(agent) -> APIClient:
    return token_client(agent, "agent")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def session_api(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def verified_login(client, user) -> None:
    """`client.force_login(user)` with the two-factor code step passed: a confirmed authenticator
    app recorded in the session, as /admin/ requires of staff (accounts/two_factor.py)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def browser(monkeypatch):
    """Debian's Chromium driven by Playwright: the browser tests' one fixture (mark them
    `browser`). Playwright's sync API runs an event loop in this thread; the ORM calls a test
    makes between page actions are still synchronous, hence DJANGO_ALLOW_ASYNC_UNSAFE."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield chromium
        chromium.close()
