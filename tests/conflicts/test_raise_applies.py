"""Conflicts only when there is one, and only those billed (issue #16 item 2).

Seed 004 lines 2–3: a conflict is a time "other than the times you've provided" or a meeting
place "other than your preferred location"; line 6: conflicts count toward the monthly
appointments once answered. DESIGN.md "Rules tightened": a schedule conflict on a free time
inside availability and a location conflict for an offered meeting type are refused (400) —
through the API and the agent console alike (both call conflicts.services.conflict_raise).
"""

import datetime as dt

import pytest
from django.utils import timezone

from calendars.selectors import is_free_to_book
from conflicts.models import Conflict
from conflicts.monthly_count import monthly_appointment_count
from tests.conftest import session_api
from tests.factories import AppointmentFactory, ConflictFactory, LeadFactory, agent_client, week_of_windows

pytestmark = pytest.mark.django_db
URL = "/api/v1/conflicts/"


@pytest.fixture
def location(tenant_a):
    """Available Monday–Friday 09:00–17:00 (New York) for office, client_home and phone."""
    week_of_windows(tenant_a.location, weekdays=range(5))
    return tenant_a.location


@pytest.fixture
def lead(location):
    return LeadFactory(location=location)


def weekday_at(location, hour: int, *, weekday: int = 3) -> dt.datetime:
    """The next Thursday (by default) at least 3 days ahead, `hour`:00 local."""
    day = timezone.now().astimezone(location.zone).date() + dt.timedelta(days=3)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=location.zone)


def body(lead, start, kind="schedule", meeting_type="client_home"):
    return {
        "lead": lead.pk,
        "kind": kind,
        "requested_start": start.isoformat(),
        "requested_end": (start + dt.timedelta(hours=1)).isoformat(),
        "requested_meeting_type": meeting_type,
    }


def test_a_schedule_conflict_on_a_free_time_is_400_book_the_slot_instead(agent_api, lead, location):
    response = agent_api.post(URL, body(lead, weekday_at(location, 10)), format="json")
    assert response.status_code == 400, response.json()
    assert "Book the slot instead" in response.json()["requested_start"][0]
    assert not Conflict.objects.exists()


def test_a_location_conflict_for_an_offered_meeting_type_is_400(agent_api, lead, location):
    # Even at a time outside availability: the place is not the conflict (that is a schedule one).
    response = agent_api.post(URL, body(lead, weekday_at(location, 19), "location", "office"), format="json")
    assert response.status_code == 400, response.json()
    assert "Book a free slot instead" in response.json()["requested_meeting_type"][0]
    assert not Conflict.objects.exists()


def test_real_conflicts_are_raised(agent_api, lead, location):
    evening = agent_api.post(URL, body(lead, weekday_at(location, 19)), format="json")
    saturday = agent_api.post(URL, body(lead, weekday_at(location, 10, weekday=5)), format="json")
    video = agent_api.post(URL, body(lead, weekday_at(location, 10), "location", "video"), format="json")
    # Inside availability but already booked: nothing to book, the owner decides.
    booked = AppointmentFactory(location=location, start=weekday_at(location, 11, weekday=2))
    taken = agent_api.post(URL, body(lead, booked.start), format="json")
    assert [r.status_code for r in (evening, saturday, video, taken)] == [201] * 4
    assert Conflict.objects.count() == 4


def test_a_refused_conflict_cannot_raise_the_monthly_count(agent_api, tenant_a, lead, location):
    free = weekday_at(location, 10)
    assert agent_api.post(URL, body(lead, free), format="json").status_code == 400
    real = agent_api.post(URL, body(lead, weekday_at(location, 19)), format="json").json()
    owner = session_api(tenant_a.owner)
    assert owner.post(f"{URL}{real['id']}/respond/", {"decision": "decline"}, format="json").status_code == 200
    today = timezone.now().astimezone(location.zone)
    count = monthly_appointment_count(location=location, year=today.year, month=today.month)
    assert [c.pk for c in count.conflicts] == [real["id"]]  # only the real conflict is billed


def test_the_console_refuses_it_too_and_offers_only_the_kinds_that_apply(agent, lead, location):
    console = agent_client(agent)
    response = console.post(
        f"/agent/leads/{lead.pk}/conflicts/",
        {
            "kind": "schedule",
            "requested_start": weekday_at(location, 10).strftime("%Y-%m-%dT%H:%M"),
            "minutes": 60,
            "requested_meeting_type": "office",
        },
    )
    assert response.status_code == 400 and not Conflict.objects.exists()
    assert "Book the slot instead" in str(response.context["conflict_form"].errors)
    kinds = dict(console.get(f"/agent/leads/{lead.pk}/").context["conflict_form"].fields["kind"].choices)
    assert set(kinds) == {"schedule", "location"}  # video is not offered: a location conflict can exist
    location.meeting_types = ["office", "client_home", "phone", "video"]
    location.save()
    kinds = dict(console.get(f"/agent/leads/{lead.pk}/").context["conflict_form"].fields["kind"].choices)
    assert set(kinds) == {"schedule"}


def test_the_factorys_conflict_is_a_real_one(location):
    """Tests describe real conflicts: ConflictFactory's default is outside the tests' availability."""
    conflict = ConflictFactory(location=location)
    assert not is_free_to_book(
        location=location,
        start=conflict.requested_start,
        end=conflict.requested_end,
        meeting_type=conflict.requested_meeting_type,
    )
