"""The dashboard's calendar notices in one query (calendars.notices.calendar_notices, issue #17)
give what the calendar tab's two functions give: the failing sources (read errors, failed
pushes, when each waits since) and the insufficient Locations with their hours (windows, extra
hours and time off) — for the Locations in scope and the user's role only."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Location
from calendars.models import BookingPush, CalendarSource
from calendars.notices import calendar_notices
from calendars.selectors import failing_calendar_sources, insufficient_calendars
from tests.factories import AppointmentFactory, LocationFactory, MembershipFactory
from tests.support_calendars import AvailabilityExceptionFactory, week_of_windows

pytestmark = pytest.mark.django_db


def _notices(user, location=None):
    locations = Location.objects.visible_to(user)
    with CaptureQueriesContext(connection) as queries:
        found = calendar_notices(user=user, locations_qs=locations, location=location)
    assert len(queries) == 1
    return found, locations


def _same_sources(found, expected):
    shown = ("pk", "location_id", "last_error", "last_success_at", "push_error", "push_waiting_since", "__str__")
    as_shown = [
        [getattr(s, name)() if name == "__str__" else getattr(s, name) for name in shown]
        + [s.location.name, s.location.time_zone]
        for s in found
    ]
    assert as_shown == [
        [getattr(s, name)() if name == "__str__" else getattr(s, name) for name in shown]
        + [s.location.name, s.location.time_zone]
        for s in expected
    ]


def test_the_same_insufficient_locations_and_hours_as_the_calendar_tabs(tenant_a, tenant_b):
    denver = LocationFactory(brand=tenant_a.brand, time_zone="America/Denver", name="Denver")
    MembershipFactory(user=tenant_a.owner, location=denver, role="owner")
    week_of_windows(denver, start=dt.time(9), end=dt.time(10))  # 14 h: insufficient
    AvailabilityExceptionFactory(location=denver, date=timezone.now().date() + dt.timedelta(days=3))  # time off
    AvailabilityExceptionFactory(
        location=denver,
        date=timezone.now().date() + dt.timedelta(days=4),
        kind="extra_hours",
        start_time=dt.time(12),
        end_time=dt.time(14),
        meeting_types=[],
    )
    week_of_windows(tenant_b.location)
    found, _ = _notices(tenant_a.owner)
    expected = insufficient_calendars(user=tenant_a.owner)
    assert [(loc.pk, loc.name, hours) for loc, hours in found["insufficient_calendars"]] == [
        (loc.pk, loc.name, hours) for loc, hours in expected
    ]
    assert {loc.pk for loc, _ in expected} == {tenant_a.location.pk, denver.pk}
    only_denver, _ = _notices(tenant_a.owner, location=denver)
    assert [loc.pk for loc, _ in only_denver["insufficient_calendars"]] == [denver.pk]
    assert _notices(tenant_a.viewer)[0]["insufficient_calendars"] == []


def test_the_same_failing_sources_as_the_calendar_tabs(tenant_a, tenant_b):
    read_error = CalendarSource.objects.create(
        location=tenant_a.location,
        kind="ics",
        name="Outlook",
        url="https://example.test/a.ics",
        last_error="The calendar address answered 500.",
        last_success_at=timezone.now() - dt.timedelta(hours=2),
    )
    pushing = CalendarSource.objects.create(
        location=tenant_a.location, kind="caldav", url="https://dav.example.test/cal/", push_bookings=True
    )
    for attempts, error in ((2, "could not be reached"), (3, "answered 503")):
        BookingPush.objects.create(
            location=tenant_a.location,
            source=pushing,
            appointment=AppointmentFactory(location=tenant_a.location),
            attempts=attempts,
            last_error=error,
            due_at=timezone.now(),
        )
    CalendarSource.objects.create(location=tenant_a.location, kind="ics", url="https://example.test/fine.ics")
    CalendarSource.objects.create(location=tenant_b.location, kind="ics", url="https://b.test/x.ics", last_error="x")
    found, locations = _notices(tenant_a.owner)
    expected = failing_calendar_sources(locations_qs=locations)
    _same_sources(found["failing_sources"], expected["failing_sources"])
    assert [s.pk for s in found["failing_sources"]] == [read_error.pk, pushing.pk]
    assert found["failing_sources"][1].push_error == "answered 503" and found["multi"] is expected["multi"] is False
