"""The iCalendar feed /calendar/<secret>.ics: the secret is the credential."""

import pytest
from django.test import Client
from icalendar import Calendar

from accounts.services import location_regenerate_calendar_secret
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db


def test_feed_lists_booked_appointments_in_utc(tenant_a):
    location = tenant_a.location
    booked = AppointmentFactory(location=location, forced=True)
    AppointmentFactory(location=location, status="cancelled")
    response = Client().get(f"/calendar/{location.calendar_secret}.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    assert str(cal["X-WR-TIMEZONE"]) == "America/New_York"
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == 1
    event = events[0]
    assert event["UID"] == f"appointment-{booked.pk}@pronexis"
    assert event.decoded("DTSTART") == booked.start and event.decoded("DTSTART").utcoffset().total_seconds() == 0
    assert "[FORCED]" in str(event["SUMMARY"])
    assert b"DTSTART:" in response.content and b"Z\r\n" in response.content  # UTC form


def test_wrong_or_old_secret_is_404(tenant_a):
    location = tenant_a.location
    old = location.calendar_secret
    assert Client().get("/calendar/not-the-secret.ics").status_code == 404
    new = location_regenerate_calendar_secret(location=location, actor=tenant_a.owner)
    assert Client().get(f"/calendar/{old}.ics").status_code == 404
    assert Client().get(f"/calendar/{new}.ics").status_code == 200


def test_feed_needs_no_login_but_reveals_only_its_location(tenant_a, tenant_b):
    AppointmentFactory(location=tenant_b.location)
    response = Client().get(f"/calendar/{tenant_a.location.calendar_secret}.ics")
    assert b"VEVENT" not in response.content
