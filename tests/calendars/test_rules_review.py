"""Rules-conformance review of the calendars capability (DESIGN.md "Tenancy" → several
locations, "Calendars" → appointments and the monthly count)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from calendars.selectors import monthly_appointment_count
from calendars.services import appointment_book
from conflicts.models import Conflict
from leads.services import lead_set_status
from tests.calendars.conftest import local
from tests.factories import AppointmentFactory, ConflictFactory, LeadFactory, LocationFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_reports_leads_by_status_use_each_locations_own_local_month(tenant_a):
    """DESIGN.md: "All my locations" aggregates use each Location's own local calendar month."""
    new_york = tenant_a.location
    new_york.name = "A New York"
    new_york.save(update_fields=["name"])
    denver = LocationFactory(brand=new_york.brand, name="B Denver", time_zone="America/Denver")
    MembershipFactory(user=tenant_a.owner, location=denver)
    # 2025-04-01 05:30 UTC: March 31, 23:30 in Denver; April 1, 01:30 in New York.
    moment = dt.datetime(2025, 4, 1, 5, 30, tzinfo=dt.UTC)
    LeadFactory(location=denver, created_at=moment)
    LeadFactory(location=new_york, created_at=moment)
    client = Client()
    client.force_login(tenant_a.owner)  # no switcher choice: "All my locations"
    march = client.get("/reports/", {"month": "2025-03"}).context
    april = client.get("/reports/", {"month": "2025-04"}).context
    assert march["leads_total"] == 1  # Denver's lead, in Denver's March
    assert april["leads_total"] == 1  # New York's lead, in New York's April


def test_a_lead_marked_test_later_is_not_billed(tenant_a):
    """Monthly count: test leads excluded — also a lead moved to `test_lead` after capture."""
    location = tenant_a.location
    lead = LeadFactory(location=location)
    created = dt.datetime(2025, 3, 10, 12, tzinfo=location.zone)
    AppointmentFactory(location=location, lead=lead, created_at=created)
    ConflictFactory(location=location, lead=lead, status=Conflict.Status.DECLINED, responded_at=created)
    assert monthly_appointment_count(location=location, year=2025, month=3).total == 2
    lead_set_status(lead=lead, status="test_lead", actor=tenant_a.owner, actor_kind="owner")
    assert monthly_appointment_count(location=location, year=2025, month=3).total == 0


def test_an_approved_location_conflict_books_a_meeting_type_not_offered(lead, booking_location, sent):
    """Seed 004: a location conflict asks for a meeting place the owner does not offer; once the
    owner approves it, the agent books it (forced, with the conflict)."""
    assert "video" not in booking_location.meeting_types
    start = local(booking_location, 3, 10)
    conflict = ConflictFactory(
        location=booking_location,
        lead=lead,
        kind=Conflict.Kind.LOCATION,
        requested_start=start,
        requested_end=start + dt.timedelta(hours=1),
        requested_meeting_type="video",
        status=Conflict.Status.APPROVED,
    )
    appointment = appointment_book(
        lead=lead, start=start, end=start + dt.timedelta(hours=1), meeting_type="video", force=True, conflict=conflict
    )
    assert appointment.forced and appointment.conflict == conflict and appointment.meeting_type == "video"
    assert ("location", "forced_booking", appointment) in sent
    # Without the owner's approval a type the Location does not offer stays refused.
    with pytest.raises(ValidationError):
        appointment_book(
            lead=lead, start=local(booking_location, 4, 10), end=local(booking_location, 4, 11), meeting_type="video"
        )
