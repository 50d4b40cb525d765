"""Pages fit the Location's plan and the owner's phone (issue #11): answering-only Locations see no
calendar or bookings UI; an appointment page shows the client's phone, tap to call."""

import datetime as dt

import pytest

from tests.clients import login
from tests.conftest import make_tenant
from tests.factories import AppointmentFactory, LeadFactory

pytestmark = pytest.mark.django_db


def _nav(html: str) -> str:
    return html[html.index('<nav class="mainnav"') : html.index("</nav>", html.index('<nav class="mainnav"'))]


def test_an_answering_only_owner_sees_no_calendar_or_bookings(clock):
    solo = make_tenant(name="Phoenix", plan="answering_only")
    client = login(solo.owner)
    dashboard = client.get("/dashboard/").content.decode()
    assert "/calendar/" not in _nav(dashboard)
    assert "Appointments booked" not in dashboard and "swatch appointments" not in dashboard
    calendar = client.get("/calendar/").content.decode()
    assert "answering service only" in calendar and "Phoenix uses" in calendar
    assert 'class="cal-toolbar"' not in calendar  # no week grid, no availability editor


def test_a_booking_owner_keeps_the_calendar(tenant_a, clock):
    client = login(tenant_a.owner)
    dashboard = client.get("/dashboard/").content.decode()
    assert "/calendar/" in _nav(dashboard) and "Appointments booked" in dashboard
    assert 'class="cal-toolbar"' in client.get("/calendar/").content.decode()


def test_an_owner_of_both_kinds_sees_the_calendar_of_the_booking_one(tenant_a, clock):
    solo = make_tenant(name="Phoenix", plan="answering_only")
    solo.location.memberships.create(user=tenant_a.owner, role="owner")
    client = login(tenant_a.owner)
    assert "/calendar/" in _nav(client.get("/dashboard/").content.decode())  # all my locations: one books
    calendar = client.get("/calendar/")
    assert [loc.name for loc in calendar.context["locations"]] == ["Location A"]
    client.post("/switch-location/", {"location": solo.location.pk, "next": "/dashboard/"})
    assert "/calendar/" not in _nav(client.get("/dashboard/").content.decode())  # Phoenix chosen


def test_the_appointment_page_shows_the_clients_phone_to_tap(tenant_a):
    lead = LeadFactory(location=tenant_a.location, first_name="Ada", last_name="Lovelace", phone="+13475559876")
    appointment = AppointmentFactory(location=tenant_a.location, lead=lead)
    html = login(tenant_a.owner).get(f"/calendar/appointments/{appointment.pk}/").content.decode()
    assert 'href="tel:+13475559876"' in html and "Call Ada Lovelace at" in html


def test_the_calendar_heading_names_the_week_or_month_whatever_is_booked(tenant_a, clock):
    from tests.support_calendars import week_of_windows

    week_of_windows(tenant_a.location)
    lead = LeadFactory(location=tenant_a.location, first_name="Carla", last_name="Haddad")
    start = dt.datetime(2030, 3, 6, 15, tzinfo=tenant_a.location.zone)  # the pinned Wednesday
    AppointmentFactory(location=tenant_a.location, lead=lead, start=start, end=start + dt.timedelta(hours=1))
    # (an appointment's name once replaced the heading)
    client = login(tenant_a.owner)
    assert client.get("/calendar/?view=month&date=2030-03-06").context["title"] == "March 2030"
    assert client.get("/calendar/?date=2030-03-06").context["title"] == "Week of Mar 4, 2030"


def test_an_answering_only_lead_page_has_no_appointments_section(clock):
    solo = make_tenant(name="Phoenix", plan="answering_only")
    lead = LeadFactory(location=solo.location)
    html = login(solo.owner).get(f"/leads/{lead.pk}/").content.decode()
    assert 'id="lead-appointments"' not in html


def test_a_booking_lead_page_keeps_its_appointments_section(tenant_a, clock):
    lead = LeadFactory(location=tenant_a.location)
    assert 'id="lead-appointments"' in login(tenant_a.owner).get(f"/leads/{lead.pk}/").content.decode()
