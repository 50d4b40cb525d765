"""Factories and isolation-matrix registrations of the calendars capability.

ISOLATION_KWARGS: URL kwarg name → callable(tenant_b) returning the id of tenant B's object.
AGENT_ONLY_URL_NAMES: URL names only agents may use (portal users get 403 before any lookup).
"""

import datetime as dt

import factory
from django.utils import timezone

from calendars.models import Appointment, AvailabilityException, AvailabilityWindow, CalendarSource

__all__ = ["AvailabilityWindowFactory", "AvailabilityExceptionFactory", "AppointmentFactory", "week_of_windows"]


class AvailabilityWindowFactory(factory.django.DjangoModelFactory):
    """Monday 09:00–17:00 for every meeting type of the Location."""

    class Meta:
        model = AvailabilityWindow

    location = factory.SubFactory("tests.factories.LocationFactory")
    weekday = 0
    start_time = dt.time(9)
    end_time = dt.time(17)
    meeting_types = factory.LazyAttribute(lambda o: list(o.location.meeting_types))


class AvailabilityExceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityException

    location = factory.SubFactory("tests.factories.LocationFactory")
    date = factory.LazyFunction(lambda: timezone.now().date() + dt.timedelta(days=7))
    kind = AvailabilityException.Kind.TIME_OFF


def _next_hour(days: float = 3, hour: int = 15):
    return (timezone.now() + dt.timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


class AppointmentFactory(factory.django.DjangoModelFactory):
    """A booked appointment from three days ahead, each an hour after the previous one (so two
    of one Location never overlap) — written directly: no rules, no notifications."""

    class Meta:
        model = Appointment

    location = factory.SubFactory("tests.factories.LocationFactory")
    lead = factory.SubFactory("tests.support_leads.LeadFactory", location=factory.SelfAttribute("..location"))
    start = factory.Sequence(lambda n: _next_hour() + dt.timedelta(hours=n % 2000))
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(hours=1))
    meeting_type = "client_home"
    status = Appointment.Status.BOOKED


def week_of_windows(location, start=dt.time(9), end=dt.time(17), weekdays=range(7)):
    """Every day `start`–`end` for every meeting type of the Location."""
    return AvailabilityWindow.objects.bulk_create(
        AvailabilityWindow(
            location=location, weekday=d, start_time=start, end_time=end, meeting_types=list(location.meeting_types)
        )
        for d in weekdays
    )


ISOLATION_KWARGS: dict = {
    "appointment_id": lambda b: AppointmentFactory(location=b.location).pk,
    "window_id": lambda b: AvailabilityWindowFactory(location=b.location).pk,
    "exception_id": lambda b: AvailabilityExceptionFactory(location=b.location).pk,
    "source_id": lambda b: CalendarSource.objects.create(
        location=b.location, kind="ics", url="https://calendar.example.test/private/basic.ics"
    ).pk,
}
AGENT_ONLY_URL_NAMES: set = {"api_appointment_create"}
