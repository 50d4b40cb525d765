"""Factories and isolation-matrix registrations of the conflicts capability.

ISOLATION_KWARGS: URL kwarg name → callable(tenant_b) returning the id of tenant B's object.
AGENT_ONLY_URL_NAMES: URL names only agents may use (portal users get 403 before any lookup).
"""

import datetime as dt

import factory
from django.utils import timezone

from conflicts.models import Callback, Conflict, SameDayRequest

__all__ = ["ConflictFactory", "SameDayRequestFactory", "CallbackFactory"]


def _in_days(days: float, hour: int = 15):
    start = timezone.now() + dt.timedelta(days=days)
    return start.replace(hour=hour, minute=0, second=0, microsecond=0)


class ConflictFactory(factory.django.DjangoModelFactory):
    """A pending schedule conflict three days ahead, raised for a lead of the Location — a real
    one (DESIGN.md "Rules tightened"): 03:00 UTC is late evening in the Americas, outside the
    availability the tests give (09:00–17:00 local)."""

    class Meta:
        model = Conflict

    location = factory.SubFactory("tests.factories.LocationFactory")
    lead = factory.SubFactory("tests.support_leads.LeadFactory", location=factory.SelfAttribute("..location"))
    kind = Conflict.Kind.SCHEDULE
    requested_start = factory.LazyFunction(lambda: _in_days(3, hour=3))
    requested_end = factory.LazyAttribute(lambda o: o.requested_start + dt.timedelta(hours=1))
    requested_meeting_type = "client_home"
    requested_address = "12 Henry Street, Brooklyn"
    caller_notes = "The client works until 6 pm on weekdays."


class SameDayRequestFactory(factory.django.DjangoModelFactory):
    """A pending same-day request starting in three hours."""

    class Meta:
        model = SameDayRequest

    location = factory.SubFactory("tests.factories.LocationFactory")
    lead = factory.SubFactory("tests.support_leads.LeadFactory", location=factory.SelfAttribute("..location"))
    requested_start = factory.LazyFunction(
        lambda: (timezone.now() + dt.timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    )
    requested_end = factory.LazyAttribute(lambda o: o.requested_start + dt.timedelta(hours=1))
    requested_meeting_type = "client_home"


class CallbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Callback

    conflict = factory.SubFactory(ConflictFactory, status=Conflict.Status.APPROVED)
    location = factory.SelfAttribute("conflict.location")
    lead = factory.SelfAttribute("conflict.lead")
    reason = Callback.Reason.CONFLICT_APPROVED
    instructions = "Book the requested time with the client."


ISOLATION_KWARGS: dict = {
    "conflict_id": lambda b: ConflictFactory(location=b.location).pk,
    "same_day_id": lambda b: SameDayRequestFactory(location=b.location).pk,
    "callback_id": lambda b: CallbackFactory(conflict__location=b.location).pk,
}
AGENT_ONLY_URL_NAMES: set = {"api_callback_list", "api_callback_close", "api_conflict_create", "api_same_day_create"}
