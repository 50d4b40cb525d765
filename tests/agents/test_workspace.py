"""The lead workspace: slots and booking, conflicts, same-day approval, SMS, office messages.
Each action calls the owning capability's service; the console only shows what it answers."""

import datetime as dt

import pytest
from django.utils import timezone

from calendars.models import Appointment
from conflicts.models import Callback, Conflict, SameDayRequest
from messaging.models import OfficeMessage, SmsMessage
from messaging.services import sms_inbound_receive
from notifications.optouts import sms_opt_out_set
from tests.factories import ConflictFactory, LeadFactory, SameDayRequestFactory

pytestmark = pytest.mark.django_db


def upcoming(location, weekday: int, hour: int, min_days: int = 3) -> dt.datetime:
    """The first `weekday` (0 = Monday) at least `min_days` ahead, `hour`:00 local."""
    day = timezone.now().astimezone(location.zone).date() + dt.timedelta(days=min_days)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=location.zone)


def local_value(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def lead(tenant_a, open_weekdays):
    return LeadFactory(location=tenant_a.location, address="12 Henry Street", phone="+13475550142")


def test_workspace_lists_slots_in_local_time(console, lead):
    location = lead.location
    monday = upcoming(location, 0, 9)
    response = console.get(
        f"/agent/leads/{lead.pk}/", {"slot_from": monday.date().isoformat(), "slot_days": 1, "slot_type": "office"}
    )
    slots = [slot for day in response.context["picker"].days for slot in day.slots]
    assert [s.start for s in slots][:2] == [monday, monday + dt.timedelta(hours=1)]
    assert {s.meeting_type for s in slots} == {"office"}
    assert [day.day for day in response.context["picker"].days] == [monday.date()]
    text = response.content.decode()
    assert f"slot={local_value(monday).replace(':', '%3A')}" in text and "In the office" in text
    assert monday.strftime("%A, %B ") + str(monday.day) in text  # grouped under the day, in words
    partial = console.get(
        f"/agent/leads/{lead.pk}/",
        {"slot_from": monday.date().isoformat(), "slot_days": 1},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="slots",
    )
    assert b"<html" not in partial.content and b'id="slots"' in partial.content


def test_book_a_slot(console, lead, agent):
    start = upcoming(lead.location, 1, 10)
    response = console.post(
        f"/agent/leads/{lead.pk}/book/", {"start": local_value(start), "minutes": 60, "meeting_type": "client_home"}
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.start, appointment.end, appointment.forced, appointment.booked_by) == (
        start,
        start + dt.timedelta(hours=1),
        False,
        agent,
    )
    assert appointment.address == "12 Henry Street"
    lead.refresh_from_db()
    assert lead.status == "converted"
    page = console.get(f"/agent/leads/{lead.pk}/")
    assert page.context["workspace"].appointments == [appointment]


def test_booking_outside_availability_needs_an_approved_conflict(console, lead):
    saturday = upcoming(lead.location, 5, 10)
    data = {"start": local_value(saturday), "minutes": 60, "meeting_type": "client_home"}
    response = console.post(f"/agent/leads/{lead.pk}/book/", data)
    assert response.status_code == 400 and "raise a conflict" in response.context["error"]
    assert not Appointment.objects.exists()

    conflict = ConflictFactory(
        location=lead.location,
        lead=lead,
        status="approved",
        requested_start=saturday,
        requested_end=saturday + dt.timedelta(hours=1),
    )
    page = console.get(f"/agent/leads/{lead.pk}/")
    assert f"conflict:{conflict.pk}" in dict(page.context["book_form"].fields["approval"].choices)
    response = console.post(f"/agent/leads/{lead.pk}/book/", {**data, "approval": f"conflict:{conflict.pk}"})
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.forced and appointment.conflict == conflict


def test_a_pending_conflict_is_not_an_approval(console, lead):
    conflict = ConflictFactory(location=lead.location, lead=lead)
    saturday = upcoming(lead.location, 5, 10)
    data = {
        "start": local_value(saturday),
        "minutes": 60,
        "meeting_type": "client_home",
        "approval": f"conflict:{conflict.pk}",
    }
    response = console.post(f"/agent/leads/{lead.pk}/book/", data)
    assert response.status_code == 400 and not Appointment.objects.exists()


def test_booking_within_24_hours_becomes_a_same_day_request(clock, console, lead):
    """Never an error naming an API path: the owner is asked, and the agent calls them."""
    soon = (timezone.now() + dt.timedelta(hours=3)).astimezone(lead.location.zone)
    response = console.post(
        f"/agent/leads/{lead.pk}/book/", {"start": local_value(soon), "minutes": 60, "meeting_type": "client_home"}
    )
    assert response.status_code == 302 and not Appointment.objects.filter(status="booked").exists()
    request = SameDayRequest.objects.get()
    assert (request.requested_start, request.requested_meeting_type, request.status) == (soon, "client_home", "pending")
    page = console.get(response["Location"]).content.decode()
    assert "Calling the owner…" in page and "/api/" not in page
    assert f'action="/agent/same-day/{request.pk}/answer/"' in page


def test_raise_a_schedule_conflict(console, lead, agent):
    saturday = upcoming(lead.location, 5, 10)
    response = console.post(
        f"/agent/leads/{lead.pk}/conflicts/",
        {
            "kind": "schedule",
            "requested_start": local_value(saturday),
            "minutes": 60,
            "requested_meeting_type": "client_home",
            "caller_notes": "Works weekdays.",
        },
    )
    assert response.status_code == 302
    conflict = Conflict.objects.get()
    assert (conflict.status, conflict.requested_start, conflict.raised_by, conflict.location) == (
        "pending",
        saturday,
        agent,
        lead.location,
    )


def test_conflict_in_the_past_is_a_field_error(console, lead):
    response = console.post(
        f"/agent/leads/{lead.pk}/conflicts/",
        {"kind": "schedule", "requested_start": "2020-01-06T10:00", "minutes": 60, "requested_meeting_type": "office"},
    )
    assert response.status_code == 400 and not Conflict.objects.exists()
    assert "must be in the future" in str(response.context["conflict_form"].errors)


def test_ask_same_day_approval_and_record_the_owners_phone_answer(console, lead, agent):
    soon = (timezone.now() + dt.timedelta(hours=4)).astimezone(lead.location.zone).replace(minute=0)
    response = console.post(
        f"/agent/leads/{lead.pk}/same-day/",
        {"same_day_start": local_value(soon), "minutes": 60, "meeting_type": "client_home"},
    )
    assert response.status_code == 302
    request = SameDayRequest.objects.get()
    assert request.status == "pending"
    response = console.post(f"/agent/same-day/{request.pk}/answer/", {"decision": "approve", "notes": "Yes, at 3."})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.response_channel, request.responded_by) == ("approved", "phone", agent)
    appointment = Appointment.objects.get()
    assert appointment.same_day_request == request
    assert Callback.objects.get().reason == "same_day_approved"
    response = console.post(f"/agent/same-day/{request.pk}/answer/", {"decision": "decline"})
    assert response.status_code == 409 and "Already answered" in response.context["error"]


def test_same_day_more_than_24_hours_away_is_refused(console, lead):
    later = upcoming(lead.location, 2, 10)
    response = console.post(
        f"/agent/leads/{lead.pk}/same-day/",
        {"same_day_start": local_value(later), "minutes": 60, "meeting_type": "client_home"},
    )
    assert response.status_code == 400 and not SameDayRequest.objects.exists()


def test_booking_an_approved_same_day_slot(console, lead):
    request = SameDayRequestFactory(location=lead.location, lead=lead, status="approved")
    page = console.get(f"/agent/leads/{lead.pk}/")
    assert f"same_day:{request.pk}" in dict(page.context["book_form"].fields["approval"].choices)


def test_send_an_sms_and_see_the_thread(console, lead, line_a, agent):
    response = console.post(f"/agent/leads/{lead.pk}/sms/", {"body": "Hi Ada, when suits you?"})
    assert response.status_code == 302
    message = SmsMessage.objects.get()
    assert (message.direction, message.sent_by, message.to_number) == ("outbound", agent, lead.phone)
    sms_inbound_receive(
        message_sid="SM1", from_number=lead.phone, to_number=line_a.number, body="My card is 4111 1111 1111 1111"
    )
    page = console.get(f"/agent/leads/{lead.pk}/").content.decode()
    assert "Hi Ada, when suits you?" in page
    assert "[card number removed]" in page and "card number removed</span>" in page
    assert "4111 1111" not in page


def test_a_card_number_is_never_texted(console, lead, line_a):
    response = console.post(f"/agent/leads/{lead.pk}/sms/", {"body": "Pay with 4111-1111-1111-1111"})
    assert response.status_code == 400 and not SmsMessage.objects.exists()
    assert "never take card" in str(response.context["sms_form"].errors)


def test_stop_state_is_visible_and_texts_are_suppressed(console, lead, line_a):
    sms_opt_out_set(number=lead.phone, opted_out=True)
    page = console.get(f"/agent/leads/{lead.pk}/")
    assert page.context["workspace"].sms_opted_out and b"texted STOP" in page.content
    response = console.post(f"/agent/leads/{lead.pk}/sms/", {"body": "Are you there?"})
    assert response.status_code == 302
    assert SmsMessage.objects.get().notification.status == "suppressed"


def test_sms_without_a_texting_number_is_refused(console, lead):
    response = console.post(f"/agent/leads/{lead.pk}/sms/", {"body": "Hello"})
    assert response.status_code == 409 and "texting number" in response.context["error"]


def test_take_an_office_message_about_the_lead(console, lead, agent):
    response = console.post(
        f"/agent/locations/{lead.location.pk}/messages/new/",
        {
            "caller_name": "Ada Byron",
            "callback_number": "347 555 0142",
            "category": "lead",
            "urgent": "on",
            "body": "Wants the owner to call.",
            "lead": lead.pk,
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/agent/leads/{lead.pk}/"
    message = OfficeMessage.objects.get()
    assert (message.lead, message.taken_by, message.urgent, message.callback_number) == (
        lead,
        agent,
        True,
        "+13475550142",
    )
    lead.refresh_from_db()
    assert (lead.status, lead.reason) == ("owner_action", "messaged")


def test_office_message_without_lead_and_a_foreign_lead_is_ignored(console, tenant_a, tenant_b):
    other = LeadFactory(location=tenant_b.location)
    response = console.post(
        f"/agent/locations/{tenant_a.location.pk}/messages/new/",
        {
            "caller_name": "Bob",
            "callback_number": "347 555 0100",
            "category": "other",
            "body": "Call me.",
            "lead": other.pk,
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/agent/locations/{tenant_a.location.pk}/"
    message = OfficeMessage.objects.get()
    assert message.lead is None and message.location == tenant_a.location
    other.refresh_from_db()
    assert other.status == "in_process"


def test_office_message_bad_number(console, tenant_a):
    response = console.post(
        f"/agent/locations/{tenant_a.location.pk}/messages/new/",
        {"caller_name": "Bob", "callback_number": "12", "category": "other", "body": "Call me."},
    )
    assert response.status_code == 400 and not OfficeMessage.objects.exists()
