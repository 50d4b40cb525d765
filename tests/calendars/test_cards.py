"""The calendar week's appointment cards come from the cache (calendars.cards, issue #17): the
same card is rendered once, a change to what it shows renders it again, a day is read whole
from the cache and again after any change to what it shows, whichever way the change was
written; the page's forms carry the request's own CSRF token, and a cache that is down costs
nothing but speed."""

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.test import Client

from accounts.models import Location
from calendars import cards, week_selectors
from calendars.calendar_page import utc_days
from calendars.models import Appointment
from calendars.services import appointment_book, appointment_cancel, appointment_reschedule
from conflicts.same_day import same_day_raise
from conflicts.services import conflict_respond
from leads.models import Lead
from pronexis import fragments
from tests.factories import AppointmentFactory, LeadFactory, LocationFactory, MembershipFactory

from .conftest import local
from .test_holds import location_conflict

pytestmark = pytest.mark.django_db


@pytest.fixture
def renders(monkeypatch):
    """How many cards were rendered from the template (not read from the cache)."""
    counted = []
    template = cards.get_template(cards.TEMPLATE)
    original = template.render

    class Counting:
        template = original.__self__.template  # the source the cache key is made of

        def render(self, context=None, request=None):
            counted.append(context["appointment"].pk)
            return original(context, request)

    monkeypatch.setattr(cards, "get_template", lambda name: Counting() if name == cards.TEMPLATE else template)
    return counted


def week(client, location):
    return client.get("/calendar/", {"date": local(location, 1, 0).date().isoformat()})


@pytest.fixture
def owner_client(tenant_a, booking_location, fresh_cache):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tenant_a.owner)
    return client


def test_a_card_is_rendered_once_and_again_only_when_what_it_shows_changes(owner_client, booking_location, renders):
    lead = LeadFactory(location=booking_location, first_name="Ada", last_name="Quinn")
    first = AppointmentFactory(
        location=booking_location, lead=lead, start=local(booking_location, 1, 10), end=local(booking_location, 1, 11)
    )
    second = AppointmentFactory(
        location=booking_location, start=local(booking_location, 1, 12), end=local(booking_location, 1, 13)
    )
    assert week(owner_client, booking_location).status_code == 200
    assert sorted(renders) == sorted([first.pk, second.pk])

    renders.clear()
    body = week(owner_client, booking_location).content.decode()
    assert renders == [] and "Ada Quinn" in body  # both from the cache

    lead.first_name = "Adele"
    lead.save()
    first.meeting_type = "video"
    first.save()
    body = week(owner_client, booking_location).content.decode()
    assert renders == [first.pk]
    assert "Adele Quinn" in body and "Ada Quinn" not in body and "Video call" in body


def test_the_cached_cards_forms_carry_this_requests_csrf_token(owner_client, booking_location):
    appointment = AppointmentFactory(
        location=booking_location, start=local(booking_location, 1, 10), end=local(booking_location, 1, 11)
    )
    week(owner_client, booking_location)  # fills the cache
    body = week(owner_client, booking_location).content.decode()
    assert cards.CSRF_PLACEHOLDER not in body
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    response = owner_client.post(
        f"/calendar/appointments/{appointment.pk}/cancel/", {"csrfmiddlewaretoken": token, "reason": "moved"}
    )
    assert response.status_code in (200, 302)
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"


def test_a_cache_that_is_down_still_shows_every_card(owner_client, booking_location, monkeypatch):
    class Down:
        def get_many(self, keys):
            raise ConnectionError("cache down")

        def set_many(self, values, timeout=None):
            raise ConnectionError("cache down")

    monkeypatch.setattr(fragments, "fragment_cache", Down())
    AppointmentFactory(
        location=booking_location, start=local(booking_location, 1, 10), end=local(booking_location, 1, 11)
    )
    response = week(owner_client, booking_location)
    assert response.status_code == 200
    assert response.content.decode().count('class="appointment ') == 1


@pytest.fixture
def rows_read(monkeypatch):
    """The (Location id, day)s whose appointment rows the week view read (days not cached)."""
    read = []
    original = week_selectors.week_card_appointments

    def reading(**kwargs):
        read.append(kwargs["days"])
        return original(**kwargs)

    monkeypatch.setattr(week_selectors, "week_card_appointments", reading)
    return read


def the_week(body: str) -> str:
    """The week's days, the per-request CSRF tokens left out."""
    days = body[body.index('<div class="cal-week">') : body.index("</section>\n    \n  </div>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", days)


def test_a_day_is_read_whole_from_the_cache_and_only_a_changed_day_again(
    owner_client, booking_location, renders, rows_read
):
    day_one = [
        AppointmentFactory(
            location=booking_location, start=local(booking_location, 1, hour), end=local(booking_location, 1, hour, 30)
        )
        for hour in (10, 12, 14)
    ]
    AppointmentFactory(
        location=booking_location, start=local(booking_location, 2, 10), end=local(booking_location, 2, 11)
    )
    first = week(owner_client, booking_location).content.decode()
    assert len(renders) == 4 and first.count('class="appointment ') == 4
    day = local(booking_location, 1, 0).date()
    assert len(rows_read) == 1 and (booking_location.pk, day) in rows_read[0]

    renders.clear(), rows_read.clear()
    assert the_week(week(owner_client, booking_location).content.decode()) == the_week(first)
    assert renders == [] and rows_read == []  # no row, no card: the days as they were cached

    Appointment.objects.filter(pk=day_one[1].pk).update(status="no_show")
    again = week(owner_client, booking_location).content.decode()
    # That day only, and the local day before it when it shares the UTC day the change moved
    # (versions are per UTC day: a New York day spans two) — not the next one, nor the rest.
    moved = day_one[1].start.astimezone(dt.UTC).date()
    monday = day - dt.timedelta(days=day.weekday())
    shown = {monday + dt.timedelta(days=n) for n in range(7)}
    sharing = {d for d in shown if moved in utc_days(d, booking_location.zone)}
    assert day in sharing and day + dt.timedelta(days=1) not in sharing
    assert rows_read == [{(booking_location.pk, d) for d in sharing}]
    assert renders == [day_one[1].pk]  # its other cards from the card cache
    assert again.count("No-show") == 1


def _book(appointment, people):
    return appointment_book(
        lead=LeadFactory(location=appointment.location),
        start=appointment.start + dt.timedelta(hours=3),
        end=appointment.end + dt.timedelta(hours=3),
        meeting_type="phone",
        booked_by=people.agent,
    )


# Every way what a day shows can change, through the services and around them (queryset
# updates save no updated_at and send no signal): the cached week must equal a fresh rendering.
CHANGES = {
    "booked": _book,
    "cancelled": lambda a, t: appointment_cancel(appointment=a, actor=t.owner, reason="ill"),
    "rescheduled": lambda a, t: appointment_reschedule(
        appointment=a, actor=t.owner, start=a.start + dt.timedelta(hours=4)
    ),
    "status updated": lambda a, t: Appointment.objects.filter(pk=a.pk).update(status="completed"),
    "forced": lambda a, t: Appointment.objects.filter(pk=a.pk).update(forced=True),
    "meeting type": lambda a, t: Appointment.objects.filter(pk=a.pk).update(meeting_type="video"),
    "moved in the row": lambda a, t: Appointment.objects.filter(pk=a.pk).update(
        start=a.start + dt.timedelta(minutes=30), end=a.end + dt.timedelta(minutes=30)
    ),
    "deleted": lambda a, t: Appointment.objects.filter(pk=a.pk).delete(),
    "lead renamed": lambda a, t: Lead.objects.filter(pk=a.lead_id).update(first_name="Zora"),
    "nameless lead's phone": lambda a, t: Lead.objects.filter(pk=a.lead_id).update(
        first_name="", last_name="", phone="+12125550199"
    ),
    "Location's time zone": lambda a, t: Location.objects.filter(pk=a.location_id).update(time_zone="America/Chicago"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_every_change_to_a_day_shows_at_once(
    change, clock, owner_client, booking_location, tenant_a, agent, fresh_cache
):
    lead = LeadFactory(location=booking_location, first_name="Ada", last_name="Quinn", phone="+12125550100")
    appointment = AppointmentFactory(
        location=booking_location, lead=lead, start=local(booking_location, 1, 10), end=local(booking_location, 1, 11)
    )
    AppointmentFactory(
        location=booking_location, start=local(booking_location, 1, 12), end=local(booking_location, 1, 13)
    )
    before = the_week(week(owner_client, booking_location).content.decode())
    assert the_week(week(owner_client, booking_location).content.decode()) == before  # cached

    CHANGES[change](appointment, SimpleNamespace(owner=tenant_a.owner, agent=agent))
    cached = the_week(week(owner_client, booking_location).content.decode())
    fresh_cache()  # nothing cached: everything rendered from the rows
    assert cached == the_week(week(owner_client, booking_location).content.decode()) != before


def test_a_day_is_never_cached_under_a_version_newer_than_its_rows(owner_client, booking_location, monkeypatch):
    """A write between the versions' query and the rows' query: the day is stored under the
    version read first, which the write moved on, so the next reading shows the write; going
    back to the first content is a newer version still, not the day stored meanwhile."""
    lead = LeadFactory(location=booking_location, first_name="Ada", last_name="Quinn")
    AppointmentFactory(
        location=booking_location, lead=lead, start=local(booking_location, 1, 10), end=local(booking_location, 1, 11)
    )
    original = week_selectors.week_card_appointments

    def renamed_meanwhile(**kwargs):
        Lead.objects.filter(pk=lead.pk).update(first_name="Bea")
        return original(**kwargs)

    monkeypatch.setattr(week_selectors, "week_card_appointments", renamed_meanwhile)
    assert "Bea Quinn" in week(owner_client, booking_location).content.decode()
    monkeypatch.setattr(week_selectors, "week_card_appointments", original)
    assert "Bea Quinn" in week(owner_client, booking_location).content.decode()
    Lead.objects.filter(pk=lead.pk).update(first_name="Ada")
    body = week(owner_client, booking_location).content.decode()
    assert "Ada Quinn" in body and "Bea Quinn" not in body


def test_a_viewer_gets_no_change_forms_from_the_owners_cached_day(owner_client, tenant_a, booking_location):
    AppointmentFactory(
        location=booking_location, start=local(booking_location, 1, 10), end=local(booking_location, 1, 11)
    )
    assert "Reschedule" in week(owner_client, booking_location).content.decode()
    viewer = Client()
    viewer.force_login(tenant_a.viewer)
    body = week(viewer, booking_location).content.decode()
    assert body.count('class="appointment ') == 1 and "Reschedule" not in body


def test_cards_holds_and_requests_of_a_day_in_time_order(clock, agent, owner_client, tenant_a, booking_location):
    at = {hour: local(booking_location, 1, hour) for hour in (9, 10, 11, 13, 15)}
    early = AppointmentFactory(location=booking_location, start=at[9], end=at[9] + dt.timedelta(minutes=30))
    approved = location_conflict(LeadFactory(location=booking_location), at[10], agent)
    conflict_respond(conflict=approved, actor=tenant_a.owner, decision="approve", channel="action_center")
    middle = AppointmentFactory(location=booking_location, start=at[11], end=at[11] + dt.timedelta(minutes=30))
    pending = location_conflict(LeadFactory(location=booking_location), at[13], agent)
    late = AppointmentFactory(location=booking_location, start=at[15], end=at[15] + dt.timedelta(minutes=30))
    for _ in range(2):  # rendered, then from the cache
        body = week(owner_client, booking_location).content.decode()
        marks = [
            f'id="appointment-{early.pk}"',
            f"held for conflict #{approved.pk}",
            f'id="appointment-{middle.pk}"',
            f'href="{pending.get_absolute_url()}"',
            f'id="appointment-{late.pk}"',
        ]
        positions = [body.index(mark) for mark in marks]
        assert positions == sorted(positions)


def test_all_my_locations_interleaves_the_locations_cards_by_time(owner_client, tenant_a, booking_location):
    second = LocationFactory(brand=booking_location.brand, name="Second Place", time_zone="America/New_York")
    MembershipFactory(user=tenant_a.owner, location=second, role="owner")
    shown = [
        AppointmentFactory(location=location, start=local(location, 1, hour), end=local(location, 1, hour, 30))
        for location, hour in ((booking_location, 9), (second, 10), (booking_location, 11), (second, 12))
    ]
    owner_client.force_login(tenant_a.owner)  # no Location chosen: all of them
    for _ in range(2):
        body = owner_client.get(
            "/calendar/", {"date": local(booking_location, 1, 0).date().isoformat()}
        ).content.decode()
        positions = [body.index(f'id="appointment-{a.pk}"') for a in shown]
        assert positions == sorted(positions) and body.count("Second Place") >= 2


def test_a_pending_requests_cached_box_follows_its_request_and_the_viewer(
    clock, agent, owner_client, tenant_a, booking_location, fresh_cache
):
    lead = LeadFactory(location=booking_location, first_name="Ada", last_name="Quinn")
    pending = location_conflict(lead, local(booking_location, 1, 10), agent)
    first = the_week(week(owner_client, booking_location).content.decode())
    assert f'id="cal-conflict-{pending.pk}"' in first and "Ada Quinn" in first and 'name="decision"' in first
    assert the_week(week(owner_client, booking_location).content.decode()) == first  # from the cache

    Lead.objects.filter(pk=lead.pk).update(first_name="Zora")
    cached = the_week(week(owner_client, booking_location).content.decode())
    fresh_cache()
    assert cached == the_week(week(owner_client, booking_location).content.decode()) != first
    assert "Zora Quinn" in cached

    viewer = Client()
    viewer.force_login(tenant_a.viewer)
    body = week(viewer, booking_location).content.decode()
    assert f'id="cal-conflict-{pending.pk}"' in body and 'name="decision"' not in body  # viewers do not answer
    conflict_respond(conflict=pending, actor=tenant_a.owner, decision="decline", channel="action_center")
    assert f'id="cal-conflict-{pending.pk}"' not in week(owner_client, booking_location).content.decode()


def test_a_pending_same_day_request_says_its_time_is_held(clock, agent, owner_client, booking_location, lead):
    nine = local(booking_location, 1, 9)
    request = same_day_raise(
        actor=agent,
        lead=lead,
        requested_start=nine,
        requested_end=nine + dt.timedelta(hours=1),
        requested_meeting_type="phone",
    )
    body = week(owner_client, booking_location).content.decode()
    box = body[body.index(f'id="cal-same_day-{request.pk}"') :]
    assert 'class="badge">time held' in box[: box.index("</li>")]
    assert "tentative" not in body  # its hold is the red item's, not a second one


def test_the_mark_of_a_card_run_in_a_name_is_shown_as_written(clock, agent, owner_client, tenant_a, booking_location):
    """The week's card runs are put into the page after its template, at their marks
    (calendar_page.render_calendar): a lead named like a mark is text, never a place for cards."""
    named = LeadFactory(location=booking_location, first_name="<pronexis-card-run 0>", last_name="Quinn")
    approved = location_conflict(named, local(booking_location, 1, 10), agent)
    conflict_respond(conflict=approved, actor=tenant_a.owner, decision="approve", channel="action_center")
    card = AppointmentFactory(
        location=booking_location, start=local(booking_location, 1, 12), end=local(booking_location, 1, 13)
    )
    for _ in range(2):  # rendered, then from the cache
        body = week(owner_client, booking_location).content.decode()
        assert body.count(f'id="appointment-{card.pk}"') == 1
        assert "&lt;pronexis-card-run 0&gt; Quinn — held for" in body and "<pronexis-card-run" not in body


def test_a_day_read_once_is_kept_by_the_process_within_its_bound(
    owner_client, booking_location, rows_read, monkeypatch
):
    AppointmentFactory(
        location=booking_location, start=local(booking_location, 1, 10), end=local(booking_location, 1, 11)
    )
    first = the_week(week(owner_client, booking_location).content.decode())
    rows_read.clear()

    class Down:
        def get_many(self, keys):
            raise AssertionError("read from the process, not the shared cache")

    monkeypatch.setattr(fragments, "fragment_cache", Down())
    assert the_week(week(owner_client, booking_location).content.decode()) == first
    assert rows_read == []

    monkeypatch.setattr(cards, "_RECENT_CHARACTERS", 1)  # over the bound: the oldest days go
    cards._remember({"another day": ("<li>x</li>", None, None, None)})
    assert list(cards._RECENT_DAYS) == ["another day"]


def test_a_started_appointments_card_offers_completed_and_no_show_from_its_minute(
    clock, owner_client, booking_location
):
    """The week's cards as of the minute: a booked appointment that has started can be marked
    (the service refuses it before), today's cards change as the clock passes their start, and
    a cached day never shows the buttons early or late by more than the minute."""
    started = AppointmentFactory(
        location=booking_location, start=local(booking_location, 0, 9), end=local(booking_location, 0, 10)
    )
    later = AppointmentFactory(
        location=booking_location, start=local(booking_location, 0, 14), end=local(booking_location, 0, 15)
    )
    yesterday = AppointmentFactory(
        location=booking_location, start=local(booking_location, -1, 9), end=local(booking_location, -1, 10)
    )
    tomorrow = AppointmentFactory(
        location=booking_location, start=local(booking_location, 1, 9), end=local(booking_location, 1, 10)
    )

    def marked() -> set[int]:
        body = owner_client.get("/calendar/").content.decode()
        return {a.pk for a in (started, later, yesterday, tomorrow) if f"/appointments/{a.pk}/status/" in body}

    for _ in range(2):  # rendered, then from the cache
        assert marked() == {started.pk, yesterday.pk}
    clock.move_to(later.start - dt.timedelta(seconds=1))
    assert marked() == {started.pk, yesterday.pk}
    clock.move_to(later.start)
    assert marked() == {started.pk, yesterday.pk, later.pk}
