"""The API's one date-time reader (pronexis.moments): offsets required, 2000–2100, ±14 h.

Issue #16 item 3 (a time without an offset was read as UTC) and #9 item 5 (years 1 and 9999,
offsets beyond ±14 h and 2**31 answered 500).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import CallTaskFactory, ConflictFactory, LeadFactory
from tests.support_calendars import week_of_windows

pytestmark = pytest.mark.django_db

NAIVE = "2030-03-12T15:00:00"
RANGE = "between 2000-01-01 and 2100-12-31"


def _soon(hours: int) -> str:
    return (timezone.now() + dt.timedelta(days=3, hours=hours)).replace(microsecond=0).isoformat()


@pytest.fixture
def rows(tenant_a):
    week_of_windows(tenant_a.location)
    lead = LeadFactory(location=tenant_a.location)
    return {
        "lead": lead,
        "conflict": ConflictFactory(location=tenant_a.location, lead=lead),
        "task": CallTaskFactory(lead=lead),
    }


def _bodies(rows):
    """(url, body, the date-time field under test) for every API body that takes one."""
    lead = rows["lead"].pk
    book = {"lead": lead, "start": _soon(0), "end": _soon(1), "meeting_type": "office"}
    conflict = {
        "lead": lead,
        "kind": "schedule",
        "requested_start": _soon(0),
        "requested_end": _soon(1),
        "requested_meeting_type": "office",
    }
    same_day = {"lead": lead, "requested_start": _soon(0), "requested_end": _soon(1), "meeting_type": "office"}
    call = {"provider_call_id": "CA1", "caller_number": "+12125550123", "called_number": "+17185550190"}
    return [
        ("/api/v1/appointments/", book, "start"),
        ("/api/v1/appointments/", book, "end"),
        ("/api/v1/appointments/", {**book, "call_at": _soon(-80)}, "call_at"),
        ("/api/v1/conflicts/", conflict, "requested_start"),
        ("/api/v1/conflicts/", conflict, "requested_end"),
        ("/api/v1/same-day-requests/", same_day, "requested_start"),
        ("/api/v1/calls/", {**call, "started_at": _soon(-80)}, "started_at"),
        (f"/api/v1/call-queue/{rows['task'].pk}/outcome/", {"outcome": "callback"}, "callback_at"),
        ("/api/v1/calls/route/", {"location": rows["lead"].location_id}, "at"),
    ]


@pytest.mark.parametrize(
    "value, message",
    [
        (NAIVE, "offset"),
        ("0001-01-01T00:00:00Z", RANGE),
        ("9999-12-31T23:59:59Z", RANGE),
        ("2030-03-12T15:00:00-16:00", "-14:00"),
    ],
)
def test_api_bodies_refuse_naive_and_out_of_range_times_naming_the_field(agent_api, rows, value, message):
    for url, body, name in _bodies(rows):
        response = agent_api.post(url, {**body, name: value}, format="json")
        assert response.status_code == 400, (url, name, response.status_code, response.content[:200])
        assert message in " ".join(response.json()[name]), (url, name, response.json())


def test_conflict_alternate_without_offset_is_400(tenant_a, rows):
    from tests.conftest import token_client

    owner_api = token_client(tenant_a.owner, "location")
    response = owner_api.post(
        f"/api/v1/conflicts/{rows['conflict'].pk}/respond/",
        {"decision": "alternate", "alternate_start": NAIVE, "alternate_end": "2030-03-12T16:00:00-05:00"},
        format="json",
    )
    assert response.status_code == 400 and "offset" in response.json()["alternate_start"][0]


@pytest.mark.parametrize(
    "url, name",
    [
        ("/api/v1/leads/", "updated_since"),
        ("/api/v1/calls/", "at"),
        ("/api/v1/locations/{location}/slots/", "start"),
        ("/api/v1/locations/{location}/slots/", "end"),
    ],
)
@pytest.mark.parametrize(
    "value, message",
    [
        (NAIVE, "offset"),
        ("0001-01-01T00:00:00Z", RANGE),
        ("9999-12-31T23:59:59Z", RANGE),
        ("2030-03-12T15:00:00-16:00", "14:00"),
    ],
)
def test_api_query_times_refuse_naive_and_out_of_range(agent_api, tenant_a, url, name, value, message):
    params = {name: value, "caller": "+12125550123"}
    response = agent_api.get(url.format(location=tenant_a.location.pk), params)
    assert response.status_code == 400, response.content[:300]
    assert message in " ".join(response.json()[name])


def test_slots_still_take_a_bare_date_as_local_midnight(agent_api, tenant_a):
    week_of_windows(tenant_a.location)
    for far in ("0001-01-01", "9999-12-31"):
        response = agent_api.get(f"/api/v1/locations/{tenant_a.location.pk}/slots/", {"start": far})
        assert response.status_code == 400 and RANGE in response.json()["start"][0]
    day = (timezone.now() + dt.timedelta(days=7)).date()
    response = agent_api.get(f"/api/v1/locations/{tenant_a.location.pk}/slots/", {"start": day.isoformat()})
    assert response.status_code == 200
    first = dt.datetime.fromisoformat(response.json()[0]["start"]).astimezone(tenant_a.location.zone)
    assert first.date() >= day


def test_a_call_of_2_31_seconds_is_400_not_500(agent_api, tenant_a):
    body = {
        "provider_call_id": "CA2",
        "caller_number": "+12125550123",
        "called_number": "+17185550190",
        "started_at": timezone.now().isoformat(),
        "duration_seconds": 2**31,
    }
    response = agent_api.post("/api/v1/calls/", body, format="json")
    assert response.status_code == 400 and "duration_seconds" in response.json()


def test_every_api_integer_and_text_is_bounded(agent_api, rows):
    """StrictSerializer bounds ids to PostgreSQL's integer and unbounded text to 5000 characters."""
    response = agent_api.post(
        "/api/v1/conflicts/",
        {
            "lead": 2**31,
            "kind": "schedule",
            "requested_start": _soon(0),
            "requested_end": _soon(1),
            "requested_meeting_type": "office",
            "caller_notes": "x" * 5001,
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"lead", "caller_notes"}


@pytest.mark.parametrize(
    "url, name",
    [
        ("/api/v1/leads/", "updated_since"),
        ("/api/v1/leads/", "location"),
        ("/api/v1/leads/", "status"),
        ("/api/v1/callbacks/", "location"),
        ("/api/v1/leads/", "page_size"),
    ],
)
def test_a_query_parameter_present_but_empty_is_a_400(agent_api, url, name):
    """`?location=` is not "any location" (schemathesis negative data: an empty string for an integer)."""
    response = agent_api.get(url, {name: ""})
    assert response.status_code == 400 and name in response.json()
