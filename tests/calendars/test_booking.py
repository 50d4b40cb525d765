"""appointment_book / cancel / reschedule / set_status (DESIGN.md "Calendars" → Appointments)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from calendars import services
from calendars.models import Appointment
from calendars.tasks import send_appointment_reminders
from conflicts.models import Conflict, SameDayRequest
from pronexis.errors import Refused
from tests.factories import (
    AppointmentFactory,
    CallRecordFactory,
    ConflictFactory,
    LeadFactory,
    SameDayRequestFactory,
)

from .conftest import local

pytestmark = pytest.mark.django_db


def book(lead, start, hours=1, **kw):
    kw.setdefault("meeting_type", "client_home")
    return services.appointment_book(lead=lead, start=start, end=start + dt.timedelta(hours=hours), **kw)


def test_booking_inside_availability_converts_the_lead_and_notifies(lead, booking_location, agent, sent):
    appointment = book(lead, local(booking_location, 3, 10), booked_by=agent)
    assert appointment.status == "booked" and not appointment.forced
    assert appointment.location == booking_location and appointment.address == "12 Henry Street"
    lead.refresh_from_db()
    assert lead.status == "converted"
    assert sent == [("location", "booking", appointment), ("lead", "client_confirmation", appointment)]


def test_answering_only_location_takes_no_bookings(tenant_a):
    tenant_a.location.plan = "answering_only"
    tenant_a.location.save()
    lead = LeadFactory(location=tenant_a.location)
    with pytest.raises(Refused, match="answering service"):
        book(lead, local(tenant_a.location, 3, 10))


def test_overlap_is_refused_forced_or_not(lead, booking_location):
    book(lead, local(booking_location, 3, 10))
    other = LeadFactory(location=booking_location)
    with pytest.raises(Refused, match="already booked"):
        book(other, local(booking_location, 3, 10, 30))
    # Back to back is fine (half-open ranges).
    assert book(other, local(booking_location, 3, 11)).pk


# --- the 24 h rule (seed 000) ----------------------------------------------------------------
def test_start_within_24_hours_needs_an_approved_same_day_request(lead, booking_location):
    start = local(booking_location, 1, 9)
    call_at = start - dt.timedelta(hours=20)
    with pytest.raises(Refused, match="/api/v1/same-day-requests/"):
        book(lead, start, call_at=call_at, now=call_at)
    pending = SameDayRequestFactory(
        location=booking_location, lead=lead, requested_start=start, requested_end=start + dt.timedelta(hours=1)
    )
    with pytest.raises(Refused):
        book(lead, start, call_at=call_at, now=call_at)
    pending.status = SameDayRequest.Status.APPROVED
    pending.save()
    appointment = book(lead, start, call_at=call_at, now=call_at)
    assert appointment.same_day_request == pending and not appointment.forced


def test_24_hours_are_counted_from_the_call(lead, booking_location):
    start = local(booking_location, 3, 9)
    call_at = start - dt.timedelta(hours=25)
    CallRecordFactory(location=booking_location, caller_number=lead.phone, started_at=call_at)  # the lead's call
    assert book(lead, start, call_at=call_at, now=start - dt.timedelta(hours=23)).pk
    other = LeadFactory(location=booking_location)
    with pytest.raises(Refused):
        book(
            other,
            start + dt.timedelta(hours=2),
            call_at=start - dt.timedelta(hours=1),
            now=start - dt.timedelta(hours=1),
        )


def test_another_leads_same_day_request_does_not_count(lead, booking_location):
    start = local(booking_location, 1, 9)
    SameDayRequestFactory(
        location=booking_location, requested_start=start, requested_end=start + dt.timedelta(hours=1), status="approved"
    )
    with pytest.raises(Refused):
        book(lead, start, call_at=start - dt.timedelta(hours=5), now=start - dt.timedelta(hours=5))


def test_approved_same_day_request_books_outside_availability_forced(lead, booking_location):
    start = local(booking_location, 1, 19)  # after 17:00
    now = start - dt.timedelta(hours=4)
    request = SameDayRequestFactory(
        location=booking_location,
        lead=lead,
        requested_start=start,
        requested_end=start + dt.timedelta(hours=1),
        status="approved",
    )
    appointment = book(lead, start, same_day_request=request, call_at=now, now=now)
    assert appointment.forced and appointment.same_day_request == request


# --- force booking --------------------------------------------------------------------------
def test_outside_availability_without_approval_is_400(lead, booking_location):
    with pytest.raises(ValidationError) as error:
        book(lead, local(booking_location, 3, 19), force=True)
    assert "force" in error.value.message_dict


@pytest.mark.parametrize("status", ["pending", "declined", "alternate_suggested"])
def test_force_with_an_unapproved_conflict_is_400(lead, booking_location, status):
    conflict = ConflictFactory(location=booking_location, lead=lead, status=status)
    with pytest.raises(ValidationError) as error:
        book(lead, local(booking_location, 3, 19), force=True, conflict=conflict)
    assert "conflict" in error.value.message_dict


def test_force_with_another_leads_conflict_is_400(lead, booking_location):
    conflict = ConflictFactory(location=booking_location, status=Conflict.Status.APPROVED)
    with pytest.raises(ValidationError, match="another lead"):
        book(lead, local(booking_location, 3, 19), force=True, conflict=conflict)


def test_force_with_approved_conflict_books_flagged_and_notifies(lead, booking_location, sent):
    evening = local(booking_location, 3, 19)
    conflict = ConflictFactory(
        location=booking_location, lead=lead, status=Conflict.Status.APPROVED, requested_start=evening
    )
    appointment = book(lead, evening, force=True, conflict=conflict)
    assert appointment.forced and appointment.conflict == conflict
    assert ("location", "forced_booking", appointment) in sent


def test_forced_bookings_still_may_not_overlap(lead, booking_location):
    book(lead, local(booking_location, 3, 16))
    other = LeadFactory(location=booking_location)
    half_past = local(booking_location, 3, 16, 30)
    conflict = ConflictFactory(
        location=booking_location, lead=other, status=Conflict.Status.APPROVED, requested_start=half_past
    )
    with pytest.raises(Refused):
        book(other, half_past, force=True, conflict=conflict)


def test_meeting_type_not_offered_and_bad_times_are_400(lead, booking_location):
    with pytest.raises(ValidationError):
        book(lead, local(booking_location, 3, 10), meeting_type="video")
    with pytest.raises(ValidationError):
        book(lead, local(booking_location, 3, 10), hours=-1)
    with pytest.raises(ValidationError):
        book(lead, local(booking_location, -3, 10))


# --- the exclusion constraint --------------------------------------------------------------
def test_overlapping_insert_in_raw_sql_fails_on_the_constraint(booking_location):
    existing = AppointmentFactory(location=booking_location)
    with (
        pytest.raises(IntegrityError, match="appointment_no_overlap"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            'INSERT INTO calendars_appointment (location_id, lead_id, start, "end", meeting_type, address, status,'
            " forced, cancel_reason, created_at, updated_at)"
            " VALUES (%s, %s, %s, %s, 'phone', '', 'booked', true, '', now(), now())",
            [
                booking_location.pk,
                existing.lead_id,
                existing.start + dt.timedelta(minutes=30),
                existing.end + dt.timedelta(hours=1),
            ],
        )
    # A cancelled one may overlap (the constraint covers booked appointments only).
    AppointmentFactory(
        location=booking_location, lead=existing.lead, start=existing.start, end=existing.end, status="cancelled"
    )


# --- cancel, reschedule, completed / no-show -------------------------------------------------
def test_cancel_sets_lead_cancelled_and_notifies(lead, booking_location, tenant_a, sent):
    appointment = book(lead, local(booking_location, 3, 10))
    services.appointment_cancel(appointment=appointment, actor=tenant_a.owner, reason="Client called")
    appointment.refresh_from_db()
    lead.refresh_from_db()
    assert appointment.status == "cancelled" and appointment.cancel_reason == "Client called"
    assert lead.status == "cancelled"
    assert sent[-1] == ("location", "cancellation", appointment)
    with pytest.raises(Refused):
        services.appointment_cancel(appointment=appointment, actor=tenant_a.owner)


def test_reschedule_within_availability_only(lead, booking_location, tenant_a):
    appointment = book(lead, local(booking_location, 3, 10))
    services.appointment_reschedule(appointment=appointment, actor=tenant_a.owner, start=local(booking_location, 4, 14))
    appointment.refresh_from_db()
    assert appointment.start == local(booking_location, 4, 14) and appointment.end == local(booking_location, 4, 15)
    with pytest.raises(ValidationError):
        services.appointment_reschedule(
            appointment=appointment, actor=tenant_a.owner, start=local(booking_location, 4, 20)
        )
    other = book(LeadFactory(location=booking_location), local(booking_location, 5, 10))
    with pytest.raises(Refused):
        services.appointment_reschedule(
            appointment=other, actor=tenant_a.owner, start=local(booking_location, 4, 14, 30)
        )


def test_set_status_completed_or_no_show_after_start(lead, booking_location, tenant_a):
    appointment = book(lead, local(booking_location, 3, 10))
    owner = tenant_a.owner
    with pytest.raises(Refused, match="not started"):
        services.appointment_set_status(appointment=appointment, actor=owner, status="completed")
    later = local(booking_location, 3, 12)
    services.appointment_set_status(appointment=appointment, actor=owner, status="no_show", now=later)
    assert Appointment.objects.get(pk=appointment.pk).status == "no_show"
    with pytest.raises(ValidationError):
        services.appointment_set_status(appointment=appointment, actor=owner, status="booked", now=later)


def test_reminder_once_per_appointment(lead, booking_location, sent):
    appointment = book(lead, local(booking_location, 3, 10))
    now = appointment.start - dt.timedelta(hours=20)
    assert services.appointments_due_for_reminder(now=now) == [appointment.pk]
    send_appointment_reminders(now=now.isoformat())
    send_appointment_reminders(now=now.isoformat())
    assert services.appointments_due_for_reminder(now=now) == []
    assert [k for _, k, _ in sent].count("client_reminder") == 1


def test_a_race_past_the_check_is_refused_by_the_constraint(lead, booking_location, monkeypatch):
    """If two bookings got past the in-transaction check, the exclusion constraint answers: 409."""
    AppointmentFactory(
        location=booking_location, start=local(booking_location, 3, 10), end=local(booking_location, 3, 11)
    )
    monkeypatch.setattr(services, "_overlapping", lambda *a, **k: False)
    with pytest.raises(Refused, match="already booked"):
        book(lead, local(booking_location, 3, 10, 30))
    assert not Appointment.objects.filter(lead=lead).exists()
