"""Calendar sufficiency: per-appointment Locations with fewer bookable hours than the setting."""

import datetime as dt

import pytest
from django.test import Client

from calendars.selectors import calendar_hours_next_14_days, calendar_is_insufficient
from tests.conftest import verified_login
from tests.factories import AvailabilityExceptionFactory, LocationFactory, week_of_windows

pytestmark = pytest.mark.django_db


def test_hours_and_flag(tenant_a, settings):
    location = tenant_a.location
    assert calendar_hours_next_14_days(location) == 0 and calendar_is_insufficient(location)
    week_of_windows(location, dt.time(9), dt.time(10), weekdays=[0, 2])  # 2 h a week → 4 h in 14 days
    assert calendar_hours_next_14_days(location) == pytest.approx(4, abs=2)
    assert calendar_is_insufficient(location)
    settings.CALENDAR_SUFFICIENT_HOURS = 3
    assert not calendar_is_insufficient(location)
    location.billing = "flat"
    settings.CALENDAR_SUFFICIENT_HOURS = 20
    assert not calendar_is_insufficient(location)  # flat billing is never flagged


def test_time_off_reduces_hours(tenant_a):
    location = tenant_a.location
    week_of_windows(location)  # 8 h a day
    before = calendar_hours_next_14_days(location)
    day = location.local_now().date() + dt.timedelta(days=3)
    AvailabilityExceptionFactory(location=location, date=day, kind="time_off")
    assert calendar_hours_next_14_days(location) == pytest.approx(before - 8)


def test_owner_banner_on_the_calendar(tenant_a):
    client = Client()
    client.force_login(tenant_a.owner)
    assert "not enough calendar availability" in client.get("/calendar/").content.decode()
    week_of_windows(tenant_a.location)
    assert "not enough calendar availability" not in client.get("/calendar/").content.decode()


def test_owner_banner_on_the_dashboard_where_owners_land(tenant_a, tenant_b):
    """Issue #16 item 6: the low-availability banner shows on the dashboard too (owners land
    there), for the Locations the user owns or manages — not to a viewer, not for others."""
    owner = Client()
    owner.force_login(tenant_a.owner)
    page = owner.get("/dashboard/").content.decode()
    assert f"{tenant_a.location.name}: not enough calendar availability" in page
    assert tenant_b.location.name not in page
    viewer = Client()
    viewer.force_login(tenant_a.viewer)
    assert "not enough calendar availability" not in viewer.get("/dashboard/").content.decode()
    week_of_windows(tenant_a.location)  # 8 h a day: 112 h in 14 days
    assert "not enough calendar availability" not in owner.get("/dashboard/").content.decode()


def test_admin_filter(tenant_a, staff):
    week_of_windows(tenant_a.location)
    empty = LocationFactory(name="Empty Calendar Place")
    client = Client()
    verified_login(client, staff)
    body = client.get("/admin/accounts/location/", {"calendar": "insufficient"}).content.decode()
    assert "Empty Calendar Place" in body and tenant_a.location.name not in body
    body = client.get("/admin/accounts/location/", {"calendar": "sufficient"}).content.decode()
    assert "Empty Calendar Place" not in body and tenant_a.location.name in body
    del empty


def test_admin_appointment_list(staff):
    from tests.factories import AppointmentFactory

    AppointmentFactory(forced=True)
    client = Client()
    verified_login(client, staff)
    for query in ({}, {"status__exact": "booked"}, {"forced__exact": "1"}):
        assert client.get("/admin/calendars/appointment/", query).status_code == 200
