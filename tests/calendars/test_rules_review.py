"""Rules-conformance review of the calendars capability (DESIGN.md "Tenancy" → several
locations, "Calendars" → appointments and the monthly count)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from calendars.services import appointment_book
from conflicts.models import Conflict
from conflicts.monthly_count import monthly_appointment_count
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


def test_an_approved_conflict_forces_only_the_time_the_owner_approved(lead, booking_location):
    """DESIGN.md: force booked outside availability only with the owner's approval — the
    approval is for the conflict's requested time and meeting type, not for any time."""
    evening = local(booking_location, 3, 19)
    conflict = ConflictFactory(
        location=booking_location,
        lead=lead,
        requested_start=evening,
        requested_end=evening + dt.timedelta(hours=1),
        status=Conflict.Status.APPROVED,
    )
    hour = dt.timedelta(hours=1)
    with pytest.raises(ValidationError) as other_day:
        appointment_book(
            lead=lead, start=evening + dt.timedelta(days=1), end=evening + dt.timedelta(days=1) + hour,
            meeting_type="client_home", force=True, conflict=conflict,
        )  # fmt: skip
    assert "conflict" in other_day.value.message_dict
    with pytest.raises(ValidationError):
        appointment_book(
            lead=lead, start=evening, end=evening + hour, meeting_type="office", force=True, conflict=conflict
        )
    appointment = appointment_book(
        lead=lead, start=evening, end=evening + hour, meeting_type="client_home", force=True, conflict=conflict
    )
    assert appointment.forced and appointment.conflict == conflict


def test_the_owners_alternate_is_booked_from_its_conflict_and_counted_once(lead, booking_location):
    """Seed 004: alternate → the agent offers it; booked, it comes from the conflict (the owner
    suggested it, forced when outside availability) and the month counts the conflict only."""
    evening = local(booking_location, 3, 19)
    alternate = local(booking_location, 4, 20)
    conflict = ConflictFactory(
        location=booking_location,
        lead=lead,
        requested_start=evening,
        requested_end=evening + dt.timedelta(hours=1),
        status=Conflict.Status.ALTERNATE_SUGGESTED,
        decision="alternate",
        alternate_start=alternate,
        alternate_end=alternate + dt.timedelta(hours=1),
        alternate_meeting_type="phone",
        responded_at=dt.datetime.now(dt.UTC),
    )
    with pytest.raises(ValidationError):  # the requested time was not approved
        appointment_book(
            lead=lead, start=evening, end=evening + dt.timedelta(hours=1), meeting_type="client_home",
            force=True, conflict=conflict,
        )  # fmt: skip
    appointment = appointment_book(
        lead=lead, start=alternate, end=alternate + dt.timedelta(hours=1), meeting_type="phone",
        force=True, conflict=conflict,
    )  # fmt: skip
    assert appointment.forced and appointment.conflict == conflict
    now = appointment.created_at.astimezone(booking_location.zone)
    count = monthly_appointment_count(location=booking_location, year=now.year, month=now.month)
    assert (count.booked_count, count.conflicts_count) == (0, 1)


def test_the_agent_workspace_offers_the_owners_alternate_as_an_approval(lead, booking_location):
    from agents.selectors import lead_workspace

    alternate = local(booking_location, 4, 20)
    conflict = ConflictFactory(
        location=booking_location,
        lead=lead,
        status=Conflict.Status.ALTERNATE_SUGGESTED,
        alternate_start=alternate,
        alternate_end=alternate + dt.timedelta(hours=1),
    )
    assert [obj for _key, obj, _label in lead_workspace(lead=lead).approvals] == [conflict]
