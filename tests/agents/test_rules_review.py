"""Rules-conformance review of the agent console: seed 004's location conflict, booked."""

import datetime as dt

import pytest

from calendars.models import Appointment
from tests.agents.test_workspace import local_value, upcoming
from tests.factories import ConflictFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(tenant_a, open_weekdays):
    return LeadFactory(location=tenant_a.location, address="12 Henry Street", phone="+13475550142")


def test_the_console_books_an_approved_location_conflicts_meeting_place(console, lead):
    """A location conflict asks for a meeting place the owner does not offer (video here);
    approved, the agent books it from the workspace (forced, with the conflict)."""
    assert "video" not in lead.location.meeting_types
    start = upcoming(lead.location, 1, 10)
    conflict = ConflictFactory(
        location=lead.location,
        lead=lead,
        kind="location",
        status="approved",
        requested_start=start,
        requested_end=start + dt.timedelta(hours=1),
        requested_meeting_type="video",
    )
    data = {"start": local_value(start), "minutes": 60, "meeting_type": "video", "approval": f"conflict:{conflict.pk}"}
    response = console.post(f"/agent/leads/{lead.pk}/book/", data)
    assert response.status_code == 302, response.context and response.context.get("error")
    appointment = Appointment.objects.get()
    assert appointment.forced and appointment.conflict == conflict and appointment.meeting_type == "video"
