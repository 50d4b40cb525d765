"""Two-way sync against a real CalDAV server (radicale, started by the test session): a booking
appears in the owner's "put bookings here" calendar, moves when rescheduled, disappears when
cancelled; with the server stopped bookings still succeed and sync once it is back."""

import datetime as dt

import pytest
from django.test import Client
from icalendar import Calendar

from calendars import push, services
from calendars.models import BookingPush, BusyBlock
from calendars.sources import calendar_source_add, calendar_source_refresh
from calendars.tasks import push_bookings
from tests.conftest import token_client
from tests.support_calendar_servers import PASSWORD, USER

from .conftest import local

pytestmark = pytest.mark.django_db


@pytest.fixture
def push_calendar(clock, radicale, booking_location, tenant_a, request):
    """A CalDAV calendar of the owner marked "put bookings here" (its own, per test)."""
    name = f"bookings-{request.node.name[-40:].replace('_', '-')}"
    calendar = radicale.new_calendar(name)
    source = calendar_source_add(
        location=booking_location,
        actor=tenant_a.owner,
        kind="caldav",
        url=radicale.calendar_url(name),
        username=USER,
        password=PASSWORD,
        push_bookings=True,
    )
    return calendar, source


def events(calendar) -> dict:
    """UID → VEVENT of every event in the CalDAV calendar, read fresh from the server."""
    found = {}
    for item in calendar.get_events():
        for event in Calendar.from_ical(item.data).walk("VEVENT"):
            found[str(event["UID"])] = event
    return found


def book(agent, lead, start):
    body = {
        "lead": lead.pk,
        "start": start.isoformat(),
        "end": (start + dt.timedelta(hours=1)).isoformat(),
        "meeting_type": "client_home",
    }
    response = token_client(agent).post("/api/v1/appointments/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def test_a_booking_appears_moves_and_disappears(push_calendar, agent, lead, booking_location, tenant_a, settings):
    calendar, source = push_calendar
    start = local(booking_location, 3, 10)
    appointment_id = book(agent, lead, start)
    assert push_bookings() == 0  # the task: nothing failed
    event = events(calendar)[push.event_uid(appointment_id)]
    assert event.decoded("DTSTART") == start
    assert str(event["SUMMARY"]) == f"{lead.first_name} — At the client's home"
    assert str(event["LOCATION"]) == "12 Henry Street"
    link = f"{settings.PUBLIC_BASE_URL}/calendar/appointments/{appointment_id}/"
    assert str(event["URL"]) == link and link in str(event["DESCRIPTION"])
    assert lead.last_name not in event.to_ical().decode()  # first name only
    # Our own events are not read back as busy time.
    assert calendar_source_refresh(source=source)
    assert not BusyBlock.objects.filter(source=source).exists()
    # Rescheduled: the same event (stable UID) moves.
    appointment = services.Appointment.objects.get(pk=appointment_id)
    later = local(booking_location, 4, 14)
    services.appointment_reschedule(appointment=appointment, actor=tenant_a.owner, start=later)
    push_bookings()
    found = events(calendar)
    assert (
        list(found) == [push.event_uid(appointment_id)]
        and found[push.event_uid(appointment_id)].decoded("DTSTART") == later
    )
    # Cancelled: removed.
    services.appointment_cancel(appointment=appointment, actor=tenant_a.owner)
    push_bookings()
    assert events(calendar) == {}
    assert BookingPush.objects.get().due_at is None


def test_with_the_server_stopped_bookings_succeed_and_sync_when_it_is_back(
    push_calendar, radicale, agent, lead, booking_location, clock, tenant_a
):
    calendar, source = push_calendar
    radicale.stop()
    try:
        first = book(agent, lead, local(booking_location, 3, 10))  # the outage does not block it
        assert push_bookings() == 1  # one failed push
        row = BookingPush.objects.get(appointment_id=first)
        assert row.attempts == 1 and row.due_at > dt.datetime.now(dt.UTC) and "could not be reached" in row.last_error
        assert push_bookings() == 0  # not due yet: backing off, not hammering the server
        second = book(agent, lead, local(booking_location, 5, 10))
        push_bookings()
        # The owner learns it in the Action Center (bookings are not affected).
        owner = Client()
        owner.force_login(tenant_a.owner)
        page = owner.get("/dashboard/").content.decode()
        assert f"Bookings could not be put into your calendar “{source}”" in page
    finally:
        radicale.start()
    clock.shift(dt.timedelta(minutes=10))
    assert push_bookings() == 0
    assert set(events(calendar)) == {push.event_uid(first), push.event_uid(second)}
    assert not BookingPush.objects.filter(due_at__isnull=False).exists()
    assert set(BookingPush.objects.values_list("last_error", flat=True)) == {""}
    assert "Bookings could not be put" not in owner.get("/dashboard/").content.decode()


def test_a_push_is_claimed_once(push_calendar, agent, lead, booking_location):
    """Two workers reaching the same row: the conditional UPDATE gives it to one."""
    appointment_id = book(agent, lead, local(booking_location, 3, 10))
    row = BookingPush.objects.get(appointment_id=appointment_id)
    now = dt.datetime.now(dt.UTC)
    assert push._claim(row.pk, now) is not None
    assert push._claim(row.pk, now) is None  # leased to the first
    assert push.push_one(row.pk, now=now) is None
    assert push.push_one(row.pk, now=now + push.LEASE + dt.timedelta(seconds=1)) is True  # the lease ran out


def test_a_calendar_marked_later_receives_the_upcoming_bookings(
    clock, radicale, agent, lead, booking_location, tenant_a
):
    booked = book(agent, lead, local(booking_location, 3, 10))
    calendar = radicale.new_calendar("bookings-backfill")
    calendar_source_add(
        location=booking_location,
        actor=tenant_a.owner,
        kind="caldav",
        url=radicale.calendar_url("bookings-backfill"),
        username=USER,
        password=PASSWORD,
        push_bookings=True,
    )
    push_bookings()
    assert set(events(calendar)) == {push.event_uid(booked)}
