"""Rules-conformance review of the leads capability: seed 000's same-day hand-over rule and
DESIGN.md's "All my locations" reports."""

import pytest

from leads.models import Lead
from leads.services import lead_set_status
from messaging.services import office_message_create
from pronexis.errors import Refused
from tests.factories import LeadFactory, SameDayRequestFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", ["pending", "declined", "expired"])
@pytest.mark.parametrize("reason", ["transferred", "messaged"])
def test_agent_cannot_hand_a_same_day_lead_to_the_owner_without_a_booking(tenant_a, agent, status, reason):
    """Seed 000: "The agents cannot send the info over to you without booking an appointment.\""""
    lead = LeadFactory(location=tenant_a.location)
    SameDayRequestFactory(location=tenant_a.location, lead=lead, status=status)
    with pytest.raises(Refused, match="same-day"):
        lead_set_status(lead=lead, status="owner_action", reason=reason, actor=agent, actor_kind="agent")
    lead.refresh_from_db()
    assert lead.status == "in_process"
    # The declined request's outcome is still recorded: refused → not_converted.
    lead_set_status(lead=lead, status="not_converted", reason="refused", actor=agent, actor_kind="agent")


def test_an_office_message_about_a_same_day_lead_is_refused(tenant_a, agent):
    lead = LeadFactory(location=tenant_a.location)
    SameDayRequestFactory(location=tenant_a.location, lead=lead, status="declined")
    with pytest.raises(Refused):
        office_message_create(
            location=tenant_a.location,
            actor=agent,
            caller_name=lead.full_name,
            callback_number=lead.phone,
            category="lead",
            body="Call me back about the appointment.",
            lead=lead,
        )
    lead.refresh_from_db()
    assert lead.status == "in_process"


def test_without_a_same_day_request_or_by_the_owner_the_hand_over_is_allowed(tenant_a, agent):
    plain = LeadFactory(location=tenant_a.location)
    lead_set_status(lead=plain, status="owner_action", reason="transferred", actor=agent, actor_kind="agent")
    owner_booked = LeadFactory(location=tenant_a.location)
    SameDayRequestFactory(location=tenant_a.location, lead=owner_booked, status="declined")
    lead_set_status(
        lead=owner_booked, status="owner_action", reason="booked_directly", actor=tenant_a.owner, actor_kind="owner"
    )
    assert {plain.status, owner_booked.status} == {Lead.Status.OWNER_ACTION}
