import pytest

from tests.factories import LocationPhoneNumberFactory, agent_client, week_of_windows


@pytest.fixture
def console(agent):
    return agent_client(agent)


@pytest.fixture
def line_a(tenant_a):
    """The number callers dial for Location A (main line, texts from it)."""
    return LocationPhoneNumberFactory(location=tenant_a.location, number="+17185550190", sends_sms=True)


@pytest.fixture
def open_weekdays(tenant_a):
    """Location A takes bookings Monday–Friday 9:00–17:00 (every meeting type)."""
    return week_of_windows(tenant_a.location, weekdays=range(5))


