"""The versions of a Location's appointment days (calendars.models.AppointmentDayVersion) move with
every write of what a week's card shows, and only then, whatever wrote it: PostgreSQL triggers,
not the services (issue #17). The calendar week caches each day under them (test_cards.py)."""

import datetime as dt

import pytest

from calendars.calendar_page import utc_days
from calendars.models import Appointment, AppointmentDayVersion
from leads.models import Lead
from tests.factories import AppointmentFactory, LeadFactory

from .conftest import local

pytestmark = pytest.mark.django_db


def versions(location) -> dict[dt.date, int]:
    return dict(AppointmentDayVersion.objects.filter(location=location).values_list("day", "version"))


def utc_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(dt.UTC).date()


@pytest.fixture
def appointment(booking_location):
    lead = LeadFactory(location=booking_location, first_name="Ada", last_name="Quinn")
    return AppointmentFactory(
        location=booking_location, lead=lead, start=local(booking_location, 1, 10), end=local(booking_location, 1, 11)
    )


def test_a_booking_gives_its_utc_day_a_version(booking_location, appointment):
    assert set(versions(booking_location)) == {utc_day(appointment.start)}


@pytest.mark.parametrize(
    "write",
    [
        lambda a: Appointment.objects.filter(pk=a.pk).update(status="no_show"),
        lambda a: Appointment.objects.filter(pk=a.pk).update(forced=True),
        lambda a: Appointment.objects.filter(pk=a.pk).update(meeting_type="video"),
        lambda a: Appointment.objects.filter(pk=a.pk).update(end=a.end + dt.timedelta(minutes=30)),
        lambda a: Appointment.objects.filter(pk=a.pk).update(lead=LeadFactory(location=a.location)),
        lambda a: Appointment.objects.filter(pk=a.pk).delete(),
        lambda a: Lead.objects.filter(pk=a.lead_id).update(last_name="Reyes"),
        lambda a: Lead.objects.filter(pk=a.lead_id).update(phone="+12125550111"),
        lambda a: Lead.objects.filter(pk=a.lead_id).update(email="ada@example.com"),
    ],
    ids=["status", "forced", "type", "end", "lead", "deleted", "lead renamed", "lead phone", "lead email"],
)
def test_every_change_to_what_a_card_shows_moves_its_day(booking_location, appointment, write):
    before = versions(booking_location)
    write(appointment)
    after = versions(booking_location)
    assert after[utc_day(appointment.start)] > before[utc_day(appointment.start)]


@pytest.mark.parametrize(
    "write",
    [
        lambda a: Appointment.objects.filter(pk=a.pk).update(reminder_sent_at=a.start),
        lambda a: Appointment.objects.filter(pk=a.pk).update(cancel_reason="moved"),
        lambda a: Lead.objects.filter(pk=a.lead_id).update(status="converted"),
        lambda a: LeadFactory(location=a.location),
    ],
    ids=["reminded", "cancel reason", "lead status", "another lead"],
)
def test_what_no_card_shows_moves_nothing(booking_location, appointment, write):
    before = versions(booking_location)
    write(appointment)
    assert versions(booking_location) == before


def test_a_move_to_another_day_moves_both_days(booking_location, appointment):
    before = versions(booking_location)
    later = appointment.start + dt.timedelta(days=2)
    Appointment.objects.filter(pk=appointment.pk).update(start=later, end=later + dt.timedelta(hours=1))
    after = versions(booking_location)
    assert after[utc_day(appointment.start)] > before[utc_day(appointment.start)]
    assert utc_day(later) not in before and utc_day(later) in after


def test_versions_are_never_reused(booking_location, appointment):
    seen = set(versions(booking_location).values())
    for status in ("no_show", "booked", "no_show"):
        Appointment.objects.filter(pk=appointment.pk).update(status=status)
        seen_now = set(versions(booking_location).values())
        assert not seen_now <= seen
        seen |= seen_now


@pytest.mark.parametrize(
    "zone, expected",
    [
        ("UTC", [dt.date(2026, 3, 8)]),
        ("America/New_York", [dt.date(2026, 3, 8), dt.date(2026, 3, 9)]),  # the day clocks go forward
        ("Asia/Tokyo", [dt.date(2026, 3, 7), dt.date(2026, 3, 8)]),
        ("Asia/Kolkata", [dt.date(2026, 3, 7), dt.date(2026, 3, 8)]),
    ],
)
def test_the_utc_days_a_local_day_spans(zone, expected):
    from zoneinfo import ZoneInfo

    assert utc_days(dt.date(2026, 3, 8), ZoneInfo(zone)) == expected
