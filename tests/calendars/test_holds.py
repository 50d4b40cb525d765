"""Slot holds (DESIGN.md "Round 2 contracts" → Calendar truth): a pending conflict or same-day
request holds its time inside the appointments' exclusion constraint until it is answered and
its callback closed, or it expires; booking it for the held lead converts the same row."""

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection
from django.test import Client
from icalendar import Calendar

from calendars.holds import holds_release_expired
from calendars.models import Appointment
from calendars.tasks import release_expired_holds
from conflicts.callbacks import callback_close
from conflicts.models import Callback
from conflicts.monthly_count import monthly_appointment_count
from conflicts.same_day import same_day_raise, same_day_respond
from conflicts.services import conflict_raise, conflict_respond
from pronexis.errors import Refused
from tests.conftest import token_client
from tests.factories import AppointmentFactory, LeadFactory, week_of_windows

from .conftest import local

pytestmark = pytest.mark.django_db
BOOK = "/api/v1/appointments/"


def body(lead, start, hours=1, meeting_type="phone"):
    end = start + dt.timedelta(hours=hours)
    return {"lead": lead.pk, "start": start.isoformat(), "end": end.isoformat(), "meeting_type": meeting_type}


def hold_of(item):
    key = "conflict" if item.__class__.__name__ == "Conflict" else "same_day_request"
    return Appointment.objects.filter(status="held", **{key: item}).first()


def location_conflict(lead, start, agent, hours=1):
    """A location conflict: the lead wants a video meeting, which the Location does not offer."""
    return conflict_raise(
        lead=lead,
        kind="location",
        requested_start=start,
        requested_end=start + dt.timedelta(hours=hours),
        requested_meeting_type="video",
        actor=agent,
    )


def offered_hours(agent_api, location, day) -> set[int]:
    response = agent_api.get(
        f"/api/v1/locations/{location.pk}/slots/",
        {"start": day.isoformat(), "end": (day + dt.timedelta(days=1)).isoformat(), "meeting_type": "phone"},
    )
    assert response.status_code == 200
    return {dt.datetime.fromisoformat(row["start"]).astimezone(location.zone).hour for row in response.json()}


def test_a_pending_conflict_holds_its_time_and_the_held_leads_booking_converts_it(
    clock, agent, agent_api, booking_location, lead
):
    friday_10 = local(booking_location, 2, 10)
    conflict = location_conflict(lead, friday_10, agent)
    hold = hold_of(conflict)
    assert hold.start == friday_10 and hold.lead == lead and hold.hold_expires_at == friday_10
    # The slots API omits the held time.
    assert 10 not in offered_hours(agent_api, booking_location, friday_10.date())
    # Another lead: 409 naming the pending request, whichever way the interval overlaps it.
    other = LeadFactory(location=booking_location)
    for start in (friday_10, friday_10 + dt.timedelta(minutes=30), friday_10 - dt.timedelta(minutes=30)):
        refused = agent_api.post(BOOK, body(other, start), format="json")
        assert refused.status_code == 409
        assert f"held for conflict #{conflict.pk}" in refused.json()["detail"]
        assert "waiting for the owner's answer" in refused.json()["detail"]
    # The held lead books the held time (an offered meeting type): the hold row becomes the booking.
    booked = agent_api.post(BOOK, body(lead, friday_10), format="json")
    assert booked.status_code == 201 and booked.json()["id"] == hold.pk and booked.json()["status"] == "booked"
    appointment = Appointment.objects.get(pk=hold.pk)
    assert appointment.status == "booked" and appointment.hold_expires_at is None
    assert appointment.created_at == dt.datetime.now(dt.UTC)  # the booking time bills, not the hold's
    assert Appointment.objects.filter(location=booking_location).count() == 1


def test_no_code_path_books_over_a_hold(clock, agent, booking_location, lead):
    """The exclusion constraint covers holds: even a raw insert past the services is refused."""
    friday_10 = local(booking_location, 2, 10)
    location_conflict(lead, friday_10, agent)
    with pytest.raises(IntegrityError, match="appointment_no_overlap"):
        AppointmentFactory(
            location=booking_location, start=friday_10 + dt.timedelta(minutes=15), end=friday_10 + dt.timedelta(hours=1)
        )


def test_answers_move_keep_and_release_the_hold(clock, agent, booking_location, lead, tenant_a):
    owner = tenant_a.owner
    # Declined: the time is free at once.
    declined = location_conflict(lead, local(booking_location, 2, 10), agent)
    conflict_respond(conflict=declined, actor=owner, decision="decline", channel="action_center")
    assert hold_of(declined) is None
    # Alternate: the hold moves to the owner's alternate (the same row).
    moved = location_conflict(lead, local(booking_location, 2, 13), agent)
    first = hold_of(moved)
    alternate = local(booking_location, 3, 14)
    conflict_respond(
        conflict=moved, actor=owner, decision="alternate", alternate_start=alternate, channel="action_center"
    )
    hold = hold_of(moved)
    assert hold.pk == first.pk and (hold.start, hold.end) == (alternate, alternate + dt.timedelta(hours=1))
    assert hold.meeting_type == "video"
    # Approved: kept until the agent closes the callback.
    approved = location_conflict(LeadFactory(location=booking_location), local(booking_location, 4, 10), agent)
    conflict_respond(conflict=approved, actor=owner, decision="approve", channel="action_center")
    assert hold_of(approved) is not None
    callback = Callback.objects.get(conflict=approved)
    callback_close(callback=callback, actor=agent, outcome="unreachable")
    assert hold_of(approved) is None
    # The moved one's callback closes too: its alternate is free again.
    callback_close(callback=Callback.objects.get(conflict=moved), actor=agent, outcome="refused")
    assert not Appointment.objects.filter(status="held").exists()


def test_a_conflict_on_a_booked_time_is_raised_without_a_hold(clock, agent, booking_location, lead):
    """DESIGN.md keeps conflicts on booked times (the owner decides): nothing to hold there."""
    booked = AppointmentFactory(
        location=booking_location, start=local(booking_location, 2, 10), end=local(booking_location, 2, 11)
    )
    conflict = location_conflict(lead, booked.start, agent)
    assert conflict.pk and hold_of(conflict) is None


def test_a_same_day_request_holds_until_answered_and_its_approval_converts_the_hold(
    clock, agent, agent_api, booking_location, lead, tenant_a
):
    thursday_9 = local(booking_location, 1, 9)  # 21 hours ahead
    request = same_day_raise(
        actor=agent,
        lead=lead,
        requested_start=thursday_9,
        requested_end=thursday_9 + dt.timedelta(hours=1),
        requested_meeting_type="phone",
    )
    hold = hold_of(request)
    assert hold.hold_expires_at == thursday_9  # a same-day hold ends at the requested start
    other = LeadFactory(location=booking_location)
    refused = agent_api.post(BOOK, body(other, thursday_9), format="json")
    assert refused.status_code == 409 and f"held for same-day request #{request.pk}" in refused.json()["detail"]
    # Another same-day request for the held time is refused when raised.
    with pytest.raises(Refused, match=f"held for same-day request #{request.pk}"):
        same_day_raise(
            actor=agent,
            lead=other,
            requested_start=thursday_9,
            requested_end=thursday_9 + dt.timedelta(hours=1),
            requested_meeting_type="phone",
        )
    # A hold is not an appointment: not billed, not on the lead's page.
    today = dt.datetime.now(booking_location.zone)
    assert monthly_appointment_count(location=booking_location, year=today.year, month=today.month).total == 0
    same_day_respond(request=request, actor=tenant_a.owner, decision="approve", channel="action_center")
    appointment = Appointment.objects.get(same_day_request=request)
    assert appointment.pk == hold.pk and appointment.status == "booked"
    assert monthly_appointment_count(location=booking_location, year=today.year, month=today.month).total == 1
    # Declined: released at once.
    friday_9 = local(booking_location, 1, 11)
    declined = same_day_raise(
        actor=agent,
        lead=other,
        requested_start=friday_9,
        requested_end=friday_9 + dt.timedelta(hours=1),
        requested_meeting_type="phone",
    )
    assert hold_of(declined) is not None
    same_day_respond(request=declined, actor=tenant_a.owner, decision="decline", channel="action_center")
    assert hold_of(declined) is None


def test_holds_expire_at_the_start_or_after_hold_days(clock, agent, agent_api, booking_location, lead, settings):
    settings.HOLD_DAYS = 7
    far = local(booking_location, 10, 10)
    conflict = location_conflict(lead, far, agent)
    assert hold_of(conflict).hold_expires_at == dt.datetime.now(dt.UTC) + dt.timedelta(days=7)
    assert 10 not in offered_hours(agent_api, booking_location, far.date())
    clock.shift(dt.timedelta(days=7, minutes=1))
    # Expired: offered again before any sweep, and bookable by another lead (the booking releases it).
    assert 10 in offered_hours(agent_api, booking_location, far.date())
    other = LeadFactory(location=booking_location)
    assert agent_api.post(BOOK, body(other, far), format="json").status_code == 201
    assert hold_of(conflict) is None
    # The beat releases the others.
    second = location_conflict(lead, local(booking_location, 3, 15), agent)
    assert holds_release_expired() == 0
    clock.shift(dt.timedelta(days=4))
    assert release_expired_holds() == 1 and hold_of(second) is None


def test_the_feed_publishes_holds_as_tentative(clock, agent, booking_location, lead):
    conflict = location_conflict(lead, local(booking_location, 2, 10), agent)
    booked = AppointmentFactory(
        location=booking_location, start=local(booking_location, 2, 14), end=local(booking_location, 2, 15)
    )
    response = Client().get(f"/calendar/{booking_location.calendar_secret}.ics")
    events = {str(e["UID"]): e for e in Calendar.from_ical(response.content).walk("VEVENT")}
    held = events[f"appointment-{hold_of(conflict).pk}@pronexis"]
    assert str(held["STATUS"]) == "TENTATIVE" and "[HELD]" in str(held["SUMMARY"])
    assert str(events[f"appointment-{booked.pk}@pronexis"]["STATUS"]) == "CONFIRMED"


def test_the_calendar_tab_shows_holds_as_tentative(clock, agent, booking_location, lead, tenant_a):
    pending = location_conflict(lead, local(booking_location, 2, 10), agent)
    approved = location_conflict(LeadFactory(location=booking_location), local(booking_location, 2, 14), agent)
    conflict_respond(conflict=approved, actor=tenant_a.owner, decision="approve", channel="action_center")
    client = Client()
    client.force_login(tenant_a.owner)
    page = client.get("/calendar/", {"date": local(booking_location, 2, 10).date().isoformat()}).content.decode()
    # The pending request stays red and answerable, marked as holding its time.
    assert f'href="{pending.get_absolute_url()}"' in page and "time held" in page
    # The approved one waits for its callback: a tentative hold.
    assert f"held for conflict #{approved.pk}" in page and "tentative" in page


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_bookings_of_a_held_time_for_other_leads(tenant_a, agent):
    """20 threads, each its own connection, book another lead's held hour: 20×409 naming the
    request; then the held lead books it: 201, the hold converted."""
    location = tenant_a.location
    week_of_windows(location)
    held_lead = LeadFactory(location=location)
    start = local(location, 3, 10)
    conflict = location_conflict(held_lead, start, agent)
    hold = hold_of(conflict)
    leads = LeadFactory.create_batch(20, location=location)
    clients = [token_client(agent, "agent") for _ in range(20)]
    barrier = threading.Barrier(20)
    results: list = [None] * 20

    def run(i):
        try:
            barrier.wait()
            response = clients[i].post(BOOK, body(leads[i], start), format="json")
            results[i] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [code for code, _ in results] == [409] * 20, results
    assert all(f"held for conflict #{conflict.pk}" in answer["detail"] for _, answer in results)
    response = token_client(agent, "agent").post(BOOK, body(held_lead, start), format="json")
    assert response.status_code == 201 and response.json()["id"] == hold.pk
    assert list(Appointment.objects.filter(location=location).values_list("status", flat=True)) == ["booked"]


def test_the_requests_page_says_until_when_its_time_is_held(clock, agent, booking_location, lead, tenant_a):
    conflict = location_conflict(lead, local(booking_location, 2, 10), agent)
    client = Client()
    client.force_login(tenant_a.owner)
    page = client.get(conflict.get_absolute_url()).content.decode()
    assert 'data-testid="slot-hold"' in page and "no one else can book it until" in page
    conflict_respond(conflict=conflict, actor=tenant_a.owner, decision="decline", channel="action_center")
    assert 'data-testid="slot-hold"' not in client.get(conflict.get_absolute_url()).content.decode()


def test_a_time_held_for_another_lead_is_a_real_schedule_conflict(clock, agent, booking_location, lead):
    """Inside availability but held: not free to book, so a schedule conflict is raised (the
    owner decides), holding nothing (the first request keeps the time)."""
    first = location_conflict(lead, local(booking_location, 2, 10), agent)
    other = LeadFactory(location=booking_location)
    second = conflict_raise(
        lead=other,
        kind="schedule",
        requested_start=local(booking_location, 2, 10),
        requested_end=local(booking_location, 2, 11),
        requested_meeting_type="phone",
        actor=agent,
    )
    assert second.pk and hold_of(second) is None and hold_of(first) is not None


def test_the_demo_requests_hold_their_times():
    from accounts import demo as accounts_demo
    from calendars import demo as calendars_demo
    from conflicts import demo as conflicts_demo

    seeded = accounts_demo.seed()
    calendars_demo.seed(seeded)
    conflicts_demo.seed(seeded)
    held = Appointment.objects.filter(status="held")
    assert held.filter(conflict__status="pending").exists()
    assert held.filter(conflict__status="alternate_suggested").exists()
    assert not held.filter(conflict__status__in=["declined", "closed"]).exists()
