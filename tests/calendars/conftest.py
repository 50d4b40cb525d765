import datetime as dt
import uuid

import pytest
from django.utils import timezone

from tests.factories import LeadFactory, week_of_windows


@pytest.fixture
def fresh_cache(monkeypatch):
    """Calendar card and pending request keys (calendars.cards, pronexis.fragments) of this
    test's own: the other xdist worker shares the Redis database, so no cache.clear(). Calling it
    again starts another empty key space."""

    def fresh():
        token = uuid.uuid4().hex
        monkeypatch.setattr("calendars.cards._template_digest", lambda: token)
        monkeypatch.setattr("pronexis.fragments.code_digest", lambda *names: token)  # pending requests

    fresh()
    return fresh


@pytest.fixture
def booking_location(tenant_a):
    """Tenant A's Location, available every day 09:00–17:00 (New York), 60-minute slots."""
    location = tenant_a.location
    week_of_windows(location)
    return location


@pytest.fixture
def lead(booking_location):
    """A lead captured two days ago, so a `call_at` in the tests' recent past is after it."""
    return LeadFactory(
        location=booking_location, address="12 Henry Street", created_at=timezone.now() - dt.timedelta(days=2)
    )


def local(location, days: int, hour: int, minute: int = 0) -> dt.datetime:
    """A local time `days` ahead of today in the Location's zone."""
    today = timezone.now().astimezone(location.zone).date()
    return dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour, minute), tzinfo=location.zone)


@pytest.fixture
def sent(monkeypatch):
    """Records the notifications calendars asks the outbox for: [(recipient, kind, subject)]."""
    calls = []
    monkeypatch.setattr(
        "calendars.services.notify_location",
        lambda *, location, kind, subject, context, idempotency_key, **kw: calls.append(("location", kind, subject)),
    )
    monkeypatch.setattr(
        "calendars.services.notify_lead",
        lambda *, lead, kind, subject, context, idempotency_key, **kw: calls.append(("lead", kind, subject)),
    )
    return calls


@pytest.fixture(scope="session")
def radicale(tmp_path_factory):
    """The radicale CalDAV server from PyPI, started once for the test session."""
    from tests.support_calendar_servers import Radicale

    server = Radicale(tmp_path_factory.mktemp("radicale"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def ics_server():
    from tests.support_calendar_servers import IcsServer

    server = IcsServer()
    yield server
    server.close()
