"""Same-day requests only when the owner could approve them (issue #16 item 5).

Seed 000 line 7: "If you approve, then the agent will book this" — an approval books at once, so
DESIGN.md "Rules tightened": a same-day request on a lead that cannot convert (seed 003: bad
lead, test lead) or for a time already booked is refused when raised (409 with the rule), through
the API and the agent console alike; a pending one whose approval became impossible closes itself
with the reason shown, instead of answering 409 to the owner for ever.
"""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from conflicts import links
from conflicts.models import Callback, SameDayRequest
from conflicts.tasks import expire_same_day_requests
from leads.services import lead_set_status
from tests.conftest import session_api
from tests.factories import AppointmentFactory, LeadFactory, SameDayRequestFactory, agent_client

pytestmark = pytest.mark.django_db
URL = "/api/v1/same-day-requests/"


def soon(hours: int = 3) -> dt.datetime:
    return (timezone.now() + dt.timedelta(hours=hours)).replace(minute=0, second=0, microsecond=0)


def body(lead, start):
    return {
        "lead": lead.pk,
        "requested_start": start.isoformat(),
        "requested_end": (start + dt.timedelta(hours=1)).isoformat(),
        "meeting_type": "office",
    }


@pytest.mark.parametrize(
    "status,reason,words", [("bad_lead", "duplicate", "bad lead (duplicate)"), ("test_lead", "", "test lead")]
)
def test_a_lead_that_cannot_convert_is_refused_when_raised(clock, agent_api, tenant_a, status, reason, words):
    lead = LeadFactory(location=tenant_a.location, status=status, reason=reason)
    response = agent_api.post(URL, body(lead, soon()), format="json")
    assert response.status_code == 409, response.json()
    assert words in response.json()["detail"] and "cannot be booked" in response.json()["detail"]
    assert not SameDayRequest.objects.exists()


def test_a_booked_time_is_refused_when_raised_by_the_api_and_the_console(clock, agent, agent_api, tenant_a):
    taken = AppointmentFactory(location=tenant_a.location, start=soon(), end=soon() + dt.timedelta(hours=1))
    lead = LeadFactory(location=tenant_a.location)
    response = agent_api.post(URL, body(lead, soon() + dt.timedelta(minutes=30)), format="json")
    assert response.status_code == 409 and "already booked" in response.json()["detail"]
    console = agent_client(agent).post(
        f"/agent/leads/{lead.pk}/same-day/",
        {
            "same_day_start": soon().astimezone(lead.location.zone).strftime("%Y-%m-%dT%H:%M"),
            "minutes": 60,
            "meeting_type": "office",
        },
    )
    assert console.status_code == 409 and "already booked" in console.context["error"]
    assert not SameDayRequest.objects.exists()
    # The next free hour is fine.
    assert agent_api.post(URL, body(lead, taken.end), format="json").status_code == 201


def test_a_request_whose_time_was_booked_closes_itself_when_approved(clock, tenant_a):
    request = SameDayRequestFactory(location=tenant_a.location, requested_start=soon())
    AppointmentFactory(location=tenant_a.location, start=request.requested_start, end=request.requested_end)
    owner = session_api(tenant_a.owner)
    assert f"/same-day/{request.pk}/" in owner.get("/dashboard/").content.decode()  # red in the Action Center
    response = owner.post(f"{URL}{request.pk}/respond/", {"decision": "approve"}, format="json")
    assert response.status_code == 409
    assert "closed itself: Another appointment is already booked" in response.json()["detail"]
    request.refresh_from_db()
    assert (request.status, request.closed_reason) == ("closed", "Another appointment is already booked at that time.")
    # Gone from the Action Center; its page says why; the agents offer the lead a later time.
    assert f"/same-day/{request.pk}/" not in owner.get("/dashboard/").content.decode()
    page = owner.get(f"/same-day/{request.pk}/").content.decode()
    assert "closed itself: Another appointment is already booked at that time." in page
    callback = Callback.objects.get(same_day_request=request)
    assert callback.reason == "same_day_declined" and "later time" in callback.instructions


def test_a_request_of_a_lead_marked_test_closes_itself_on_the_beat(clock, tenant_a):
    request = SameDayRequestFactory(location=tenant_a.location, requested_start=soon())
    other = SameDayRequestFactory(location=tenant_a.location, requested_start=soon(5))
    lead_set_status(lead=request.lead, status="test_lead", actor=tenant_a.owner, actor_kind="owner")
    assert expire_same_day_requests() == 1
    request.refresh_from_db()
    other.refresh_from_db()
    assert request.status == "closed" and "test lead" in request.closed_reason
    assert other.status == "pending"
    assert not Callback.objects.exists()  # a test lead is not called back


def test_an_approve_link_for_a_time_booked_meanwhile_says_it_closed_itself(clock, tenant_a):
    request = SameDayRequestFactory(location=tenant_a.location, requested_start=soon())
    AppointmentFactory(location=tenant_a.location, start=request.requested_start, end=request.requested_end)
    token = links.answer_token(kind="same_day", object_id=request.pk, decision="approve", channel="sms_link")
    response = Client().post(f"/answer/{token}/")
    assert response.status_code == 409  # refused, and the page says why
    assert "closed itself: Another appointment is already booked at that time." in response.content.decode()
    request.refresh_from_db()
    assert request.status == "closed" and not request.responded_at


def test_the_console_offers_a_same_day_request_only_for_a_lead_that_can_convert(clock, agent, tenant_a):
    console = agent_client(agent)
    lead = LeadFactory(location=tenant_a.location)
    page = console.get(f"/agent/leads/{lead.pk}/", {"open": "same_day"}).content.decode()
    assert f'action="/agent/leads/{lead.pk}/same-day/"' in page
    duplicate = LeadFactory(location=tenant_a.location, status="bad_lead", reason="duplicate")
    page = console.get(f"/agent/leads/{duplicate.pk}/", {"open": "same_day"}).content.decode()
    assert f"/agent/leads/{duplicate.pk}/same-day/" not in page
    assert "No same-day request: the lead is bad lead (duplicate) and cannot be booked." in page
