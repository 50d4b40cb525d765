"""GET /api/v1/locations/{id}/slots/, POST /api/v1/appointments/, POST …/cancel/."""

import datetime as dt
import json
import threading

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from calendars.models import Appointment
from calendars.selectors import slots_for_location
from conflicts.models import Conflict
from tests.conftest import session_api, token_client
from tests.factories import AppointmentFactory, ConflictFactory, LeadFactory, SameDayRequestFactory, week_of_windows

from .conftest import local

pytestmark = pytest.mark.django_db


def slots_url(location):
    return f"/api/v1/locations/{location.pk}/slots/"


def test_slots_for_every_offered_type_with_approval_flag(agent_api, booking_location):
    start = local(booking_location, 0, 0)
    response = agent_api.get(
        slots_url(booking_location), {"start": start.isoformat(), "end": (start + dt.timedelta(days=3)).isoformat()}
    )
    assert response.status_code == 200
    rows = response.json()
    assert {r["meeting_type"] for r in rows} == set(booking_location.meeting_types)
    assert set(rows[0]) == {"start", "end", "meeting_type", "needs_owner_approval"}
    assert any(r["needs_owner_approval"] for r in rows) and not all(r["needs_owner_approval"] for r in rows)
    phone = agent_api.get(
        slots_url(booking_location), {"start": start.date().isoformat(), "meeting_type": "phone"}
    ).json()
    assert phone and {r["meeting_type"] for r in phone} == {"phone"}


def test_slots_bad_input_is_400(agent_api, booking_location):
    url = slots_url(booking_location)
    assert (
        agent_api.get(url, {"start": "2025-01-01", "end": "2025-04-01"})
        .json()["end"][0]
        .startswith("The range is at most 62")
    )
    assert agent_api.get(url, {"start": "tomorrow"}).status_code == 400
    assert agent_api.get(url, {"start": "2025-01-02", "end": "2025-01-01"}).status_code == 400
    assert "meeting_type" in agent_api.get(url, {"meeting_type": "video"}).json()


def test_slots_roles(tenant_a, tenant_b, booking_location):
    for role, expected in (("owner", 200), ("manager", 200), ("viewer", 403), ("brand", 403)):
        assert session_api(tenant_a.user(role)).get(slots_url(booking_location)).status_code == expected, role
    assert session_api(tenant_b.owner).get(slots_url(booking_location)).status_code == 404
    owner_token = token_client(tenant_a.owner, "location")
    assert owner_token.get(slots_url(booking_location)).status_code == 200


# Slots API queries, fixed whatever the number of bookings (issue #17: at most four): the token
# (its last_used_at is written at most once a minute; warmed below), the location, the
# availability (windows and exceptions, one UNION ALL), the booked intervals (one UNION ALL).
SLOTS_API_QUERIES = 4


def test_slots_answer_is_what_the_documented_serializer_gives(agent_api, booking_location):
    """The view writes SlotOut's representation by hand (speed); both must agree, field for field."""
    from calendars.api import SlotOut

    start = local(booking_location, 1, 0)
    params = {"start": start.isoformat(), "end": (start + dt.timedelta(days=3)).isoformat()}
    with time_machine.travel(timezone.now(), tick=False):  # the same "now" for the approval flag
        answer = agent_api.get(slots_url(booking_location), params).json()
        slots = slots_for_location(location=booking_location, start=start, end=start + dt.timedelta(days=3))
    assert answer and answer == json.loads(json.dumps(SlotOut(slots, many=True).data))


def test_slots_answer_bytes_are_jsonrenderers(agent_api, booking_location):
    """SlotsRenderer writes the slots itself (speed): the bytes JSONRenderer writes for SlotOut."""
    from rest_framework.renderers import JSONRenderer

    from calendars.api import SlotOut

    start = local(booking_location, 1, 0)
    params = {"start": start.isoformat(), "end": (start + dt.timedelta(days=3)).isoformat()}
    with time_machine.travel(timezone.now(), tick=False):
        response = agent_api.get(slots_url(booking_location), params)
        slots = slots_for_location(location=booking_location, start=start, end=start + dt.timedelta(days=3))
    assert slots and response.content == JSONRenderer().render(SlotOut(slots, many=True).data)
    assert response["Content-Type"] == "application/json"


def test_slots_renderer_falls_back_to_jsonrenderer_byte_for_byte():
    """Microseconds, another zone (its instants still written in UTC), characters JSONRenderer
    escapes, an indented answer asked for, no slot, an error: the same bytes as JSONRenderer."""
    from zoneinfo import ZoneInfo

    from rest_framework.renderers import JSONRenderer

    from calendars.api import SlotsRenderer, slots_out
    from calendars.slots import Slot

    utc = dt.datetime(2027, 1, 4, 14, 0, tzinfo=dt.UTC)
    paris = dt.datetime(2027, 1, 4, 15, 0, 0, 250, tzinfo=ZoneInfo("Europe/Paris"))
    cases = [
        [Slot(utc, utc + dt.timedelta(minutes=30), "office", True)],
        [Slot(utc + dt.timedelta(microseconds=5), utc + dt.timedelta(seconds=1.5), "phone")],
        [Slot(utc, paris, "office")],
        [Slot(utc, utc, 'a\u2028b\u2029c é "\\\n\x01')],
        [],
    ]
    for slots in cases:
        for media_type in (None, "application/json", "application/json; indent=2"):
            expected = JSONRenderer().render(slots_out(slots), media_type, {})
            assert SlotsRenderer().render(slots, media_type, {}) == expected, (slots, media_type)
    error = {"end": ["The end must be after the start."]}
    assert SlotsRenderer().render(error) == JSONRenderer().render(error)


@pytest.mark.parametrize("n", [1, 300])
def test_slots_query_count_is_fixed(agent_api, booking_location, n, django_assert_num_queries):
    start = local(booking_location, 2, 0)
    lead = LeadFactory(location=booking_location)
    Appointment.objects.bulk_create(
        Appointment(
            location=booking_location,
            lead=lead,
            start=start + dt.timedelta(minutes=30 * i),
            end=start + dt.timedelta(minutes=30 * i + 20),
            meeting_type="phone",
        )
        for i in range(n)
    )
    params = {"start": start.isoformat(), "end": (start + dt.timedelta(days=14)).isoformat()}
    agent_api.get(slots_url(booking_location), params)  # token's last_used_at written once
    with django_assert_num_queries(SLOTS_API_QUERIES):
        response = agent_api.get(slots_url(booking_location), params)
    assert response.status_code == 200
    booked = [(a.start, a.end) for a in Appointment.objects.filter(location=booking_location)]
    for row in response.json():
        s, e = dt.datetime.fromisoformat(row["start"]), dt.datetime.fromisoformat(row["end"])
        assert all(e <= bs or be <= s for bs, be in booked)


def test_slots_with_busy_blocks_and_bookings_keep_their_query_count(
    agent_api, booking_location, django_assert_num_queries
):
    """Issue #13: 200 busy blocks of the owner's calendar and 1,000 bookings over 60
    days — the same queries as an empty calendar (bookings, holds and busy blocks are one UNION
    ALL), and no offered slot touches any of them."""
    from calendars.models import BusyBlock, CalendarSource

    start = local(booking_location, 1, 0)
    lead = LeadFactory(location=booking_location)
    Appointment.objects.bulk_create(  # 1,000 bookings of 20 minutes: 17 a day, every 85 minutes
        Appointment(
            location=booking_location,
            lead=lead,
            start=start + dt.timedelta(days=i % 60, minutes=85 * (i // 60)),
            end=start + dt.timedelta(days=i % 60, minutes=85 * (i // 60) + 20),
            meeting_type="phone",
        )
        for i in range(1000)
    )
    source = CalendarSource.objects.create(location=booking_location, kind="ics", url="https://example.test/a.ics")
    BusyBlock.objects.bulk_create(  # 200 busy blocks: 16:00–17:40 local, from the owner's calendar
        BusyBlock(
            location=booking_location,
            source=source,
            start=local(booking_location, 1 + i % 60, 16, 0) + dt.timedelta(minutes=i // 60),
            end=local(booking_location, 1 + i % 60, 17, 40),
        )
        for i in range(200)
    )
    params = {"start": start.isoformat(), "end": (start + dt.timedelta(days=60)).isoformat()}
    agent_api.get(slots_url(booking_location), params)  # token's last_used_at written once
    with django_assert_num_queries(SLOTS_API_QUERIES):
        response = agent_api.get(slots_url(booking_location), params)
    assert response.status_code == 200 and response.json()
    taken = list(Appointment.objects.values_list("start", "end")) + list(BusyBlock.objects.values_list("start", "end"))
    for row in response.json():
        s, e = dt.datetime.fromisoformat(row["start"]), dt.datetime.fromisoformat(row["end"])
        assert all(e <= ts or te <= s for ts, te in taken)


def book_body(lead, start, hours=1, **extra):
    return {
        "lead": lead.pk,
        "start": start.isoformat(),
        "end": (start + dt.timedelta(hours=hours)).isoformat(),
        "meeting_type": "client_home",
        **extra,
    }


def test_agent_books_201(agent_api, lead, booking_location):
    response = agent_api.post("/api/v1/appointments/", book_body(lead, local(booking_location, 3, 10)), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {"id", "location", "lead", "start", "end", "meeting_type", "status", "forced"} <= set(body)
    assert body["status"] == "booked" and body["forced"] is False and body["location"] == booking_location.pk


def test_booking_errors(agent_api, lead, booking_location):
    url = "/api/v1/appointments/"
    assert agent_api.post(
        url, {**book_body(lead, local(booking_location, 3, 10)), "color": "red"}, format="json"
    ).json() == {"color": ["Unknown field."]}
    outside = agent_api.post(url, book_body(lead, local(booking_location, 3, 19), force=True), format="json")
    assert outside.status_code == 400 and "force" in outside.json()
    pending = ConflictFactory(location=booking_location, lead=lead)
    response = agent_api.post(
        url, book_body(lead, local(booking_location, 3, 19), force=True, conflict=pending.pk), format="json"
    )
    assert response.status_code == 400 and "conflict" in response.json()
    response = agent_api.post(url, book_body(lead, local(booking_location, 3, 19), conflict=999999), format="json")
    assert response.status_code == 400
    same_day = agent_api.post(url, book_body(lead, local(booking_location, 0, 23)), format="json")
    assert same_day.status_code in (400, 409)  # in the past (400) or within 24 h (409)
    # A call a few minutes ago (the call in progress) is the 24-hour reference.
    call_at = timezone.now() - dt.timedelta(minutes=5)
    soon = agent_api.post(
        url,
        book_body(lead, call_at + dt.timedelta(hours=3), call_at=call_at.isoformat()),
        format="json",
    )
    assert soon.status_code == 409 and "/api/v1/same-day-requests/" in soon.json()["detail"]


def test_force_booking_with_approved_conflict(agent_api, lead, booking_location):
    conflict = ConflictFactory(
        location=booking_location,
        lead=lead,
        status=Conflict.Status.APPROVED,
        requested_start=local(booking_location, 3, 19),
    )
    response = agent_api.post(
        "/api/v1/appointments/",
        book_body(lead, local(booking_location, 3, 19), force=True, conflict=conflict.pk),
        format="json",
    )
    assert response.status_code == 201 and response.json()["forced"] is True


def test_same_day_with_approved_request(agent_api, lead, booking_location):
    start = local(booking_location, 1, 16)
    call_at = timezone.now() - dt.timedelta(minutes=5)  # the call in progress (call_at cannot be ahead)
    SameDayRequestFactory(
        location=booking_location,
        lead=lead,
        requested_start=start,
        requested_end=start + dt.timedelta(hours=1),
        status="approved",
    )
    response = agent_api.post(
        "/api/v1/appointments/", book_body(lead, start, call_at=call_at.isoformat()), format="json"
    )
    assert response.status_code == 201


def test_only_agents_book(tenant_a, lead, booking_location):
    response = session_api(tenant_a.owner).post(
        "/api/v1/appointments/", book_body(lead, local(booking_location, 3, 10)), format="json"
    )
    assert response.status_code == 403


def test_other_tenants_lead_is_404(agent, tenant_b, booking_location):
    brand_api = token_client(agent, "brand", brand=tenant_b.brand)
    lead = LeadFactory(location=booking_location)
    response = brand_api.post("/api/v1/appointments/", book_body(lead, local(booking_location, 3, 10)), format="json")
    assert response.status_code in (403, 404)


def test_cancel_api(tenant_a, agent_api, booking_location):
    appointment = AppointmentFactory(location=booking_location)
    assert (
        session_api(tenant_a.viewer)
        .post(f"/api/v1/appointments/{appointment.pk}/cancel/", {}, format="json")
        .status_code
        == 403
    )
    response = session_api(tenant_a.manager).post(
        f"/api/v1/appointments/{appointment.pk}/cancel/", {"reason": "sick"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    again = agent_api.post(f"/api/v1/appointments/{appointment.pk}/cancel/", {}, format="json")
    assert again.status_code == 409


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_bookings_of_one_slot(tenant_a, agent):
    """20 threads, each its own connection, book the same hour: one 201, nineteen 409s."""
    location = tenant_a.location
    week_of_windows(location)
    leads = LeadFactory.create_batch(20, location=location)
    start = local(location, 3, 10)
    clients = [token_client(agent, "agent") for _ in range(20)]
    barrier = threading.Barrier(20)
    results: list = [None] * 20

    def run(i):
        try:
            barrier.wait()
            response = clients[i].post("/api/v1/appointments/", book_body(leads[i], start), format="json")
            results[i] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(code for code, _ in results)
    assert codes == [201] + [409] * 19, results
    assert all("already booked" in body["detail"] for code, body in results if code == 409)
    assert Appointment.objects.filter(location=location, status="booked").count() == 1
