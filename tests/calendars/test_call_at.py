"""`call_at` names a real call of the lead (issue #16 item 1; DESIGN.md "Rules tightened").

Seed 000 line 5: "If a lead requests an appointment in 24 hours or less from the time of the phone
call, the agent will attempt to call you to get permission" — `call_at` moves that reference, so
it must be a call of this lead: not before the lead, not in the future, and when older than 15
minutes within 15 minutes of a call record of the lead's phone. Otherwise 400 naming `call_at`.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from calendars import services
from calendars.models import Appointment
from conflicts.models import SameDayRequest
from tests.factories import CallRecordFactory, LeadFactory, week_of_windows

pytestmark = pytest.mark.django_db
URL = "/api/v1/appointments/"


@pytest.fixture
def location(tenant_a):
    week_of_windows(tenant_a.location)  # 09:00–17:00 New York every day
    return tenant_a.location


def body(lead, start, call_at):
    return {
        "lead": lead.pk,
        "start": start.isoformat(),
        "end": (start + dt.timedelta(hours=1)).isoformat(),
        "meeting_type": "client_home",
        "call_at": call_at.isoformat(),
    }


def assert_call_at_refused(response):
    assert response.status_code == 400, response.json()
    assert "call_at" in response.json()
    assert not Appointment.objects.exists() and not SameDayRequest.objects.exists()


def test_a_call_a_year_ago_on_a_lead_created_a_second_ago_is_400(clock, agent_api, location):
    # The case: tomorrow 09:00 (21 h away) booked with no owner approval.
    lead = LeadFactory(location=location, created_at=timezone.now() - dt.timedelta(seconds=1))
    start = timezone.now() + dt.timedelta(hours=21)
    response = agent_api.post(URL, body(lead, start, timezone.now() - dt.timedelta(days=365)), format="json")
    assert_call_at_refused(response)
    assert "before the lead existed" in response.json()["call_at"][0]
    lead.refresh_from_db()
    assert lead.status == "in_process"


def test_a_call_in_the_future_is_400(clock, agent_api, location):
    lead = LeadFactory(location=location, created_at=timezone.now() - dt.timedelta(days=2))
    start = timezone.now() + dt.timedelta(days=2, hours=-3)
    response = agent_api.post(URL, body(lead, start, timezone.now() + dt.timedelta(minutes=1)), format="json")
    assert_call_at_refused(response)
    assert "future" in response.json()["call_at"][0]


def test_an_older_call_needs_a_call_record_of_the_leads_phone(clock, agent_api, location):
    lead = LeadFactory(location=location, created_at=timezone.now() - dt.timedelta(days=2))
    start = timezone.now() + dt.timedelta(hours=21)  # Thursday 09:00, 31 h after the call
    call_at = timezone.now() - dt.timedelta(hours=10)
    # Another phone's call at that time, and the lead's own call 20 minutes off, do not count.
    CallRecordFactory(location=location, started_at=call_at)
    CallRecordFactory(location=location, caller_number=lead.phone, started_at=call_at + dt.timedelta(minutes=20))
    response = agent_api.post(URL, body(lead, start, call_at), format="json")
    assert_call_at_refused(response)
    assert "15 minutes" in response.json()["call_at"][0]

    CallRecordFactory(location=location, caller_number=lead.phone, started_at=call_at + dt.timedelta(minutes=5))
    response = agent_api.post(URL, body(lead, start, call_at), format="json")
    assert response.status_code == 201, response.json()


def test_the_call_in_progress_needs_no_record(clock, location):
    lead = LeadFactory(location=location, created_at=timezone.now() - dt.timedelta(hours=1))
    start = timezone.now() + dt.timedelta(days=1, hours=21)
    call_at = timezone.now() - dt.timedelta(minutes=10)
    appointment = services.appointment_book(
        lead=lead, start=start, end=start + dt.timedelta(hours=1), meeting_type="client_home", call_at=call_at
    )
    assert appointment.pk
    # …but the same rule refuses an invented one, whoever calls the service (API or console).
    other = LeadFactory(location=location)
    with pytest.raises(ValidationError) as error:
        services.appointment_book(
            lead=other,
            start=start + dt.timedelta(hours=2),
            end=start + dt.timedelta(hours=3),
            meeting_type="client_home",
            call_at=timezone.now() - dt.timedelta(days=2),
        )
    assert "call_at" in error.value.message_dict
