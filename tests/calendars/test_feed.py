"""The iCalendar feed /calendar/<secret>.ics: the secret is the credential."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
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


def test_head_answers_like_get_without_a_body(tenant_a):
    AppointmentFactory(location=tenant_a.location)
    url = f"/calendar/{tenant_a.location.calendar_secret}.ics"
    head, get = Client().head(url), Client().get(url)
    assert head.status_code == 200 and head["Content-Type"].startswith("text/calendar")
    assert head["ETag"] == get["ETag"] and head.content == b""


def test_the_body_is_stable_between_fetches_and_carries_an_etag(clock, tenant_a):
    appointment = AppointmentFactory(location=tenant_a.location)
    url = f"/calendar/{tenant_a.location.calendar_secret}.ics"
    first = Client().get(url)
    clock.shift(dt.timedelta(minutes=7))  # the next poll of a subscribed calendar
    again = Client().get(url)
    assert first.content == again.content and first["ETag"] == again["ETag"]
    (event,) = Calendar.from_ical(first.content).walk("VEVENT")
    assert event.decoded("DTSTAMP") == appointment.updated_at  # its last change, not the fetch
    assert Client().get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    appointment.address = "3 New Street"
    appointment.save()
    changed = Client().get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_visits_of_the_last_30_days_stay_in_the_feed(clock, tenant_a):
    now = timezone.now()
    location = tenant_a.location

    def visit(days_ago, status):
        start = now - dt.timedelta(days=days_ago)
        return AppointmentFactory(location=location, start=start, end=start + dt.timedelta(hours=1), status=status)

    kept = [visit(10, "completed"), visit(29, "no_show"), visit(2, "booked")]
    visit(5, "cancelled")
    visit(31, "completed")
    response = Client().get(f"/calendar/{location.calendar_secret}.ics")
    uids = {str(event["UID"]) for event in Calendar.from_ical(response.content).walk("VEVENT")}
    assert uids == {f"appointment-{appointment.pk}@pronexis" for appointment in kept}
