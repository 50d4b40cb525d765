"""The calendar tab, availability editor, appointment actions (portal)."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Location
from calendars.models import Appointment, AvailabilityWindow
from tests.clients import login
from tests.factories import (
    AppointmentFactory,
    AvailabilityWindowFactory,
    LeadFactory,
    LocationFactory,
    MembershipFactory,
)

from .conftest import local

pytestmark = pytest.mark.django_db


def test_week_view_shows_availability_appointments_and_zone(tenant_a, booking_location):
    appointment = AppointmentFactory(
        location=booking_location, start=local(booking_location, 1, 10), end=local(booking_location, 1, 11), forced=True
    )
    response = login(tenant_a.owner, booking_location).get(
        "/calendar/", {"date": local(booking_location, 1, 10).date().isoformat()}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Times in America/New_York" in body
    assert '<p class="cal-avail">9:00 AM–5:00 PM' in body  # availability shading, local time
    assert f'id="appointment-{appointment.pk}"' in body and "forced" in body
    assert '<span class="when">10:00 AM–11:00 AM</span>' in body  # the appointment in local time
    partial = login(tenant_a.owner, booking_location).get(
        "/calendar/", {"date": local(booking_location, 1, 10).date().isoformat()}, HTTP_HX_REQUEST="true"
    )
    assert '<span class="when">10:00 AM–11:00 AM</span>' in partial.content.decode()
    assert 'id="availability"' in body  # the owner's editor


def test_month_view_and_htmx_partial(tenant_a, booking_location):
    AppointmentFactory(location=booking_location)
    client = login(tenant_a.viewer, booking_location)
    response = client.get("/calendar/", {"view": "month"})
    assert response.status_code == 200 and b"cal-month" in response.content
    assert b'id="availability"' not in response.content  # viewers read only
    partial = client.get("/calendar/", {"view": "week"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert partial.content.lstrip().startswith(b'<div id="calendar-body"')
    assert b"<html" not in partial.content


def test_all_my_locations_labels_each_locations_events(tenant_a, booking_location):
    second = LocationFactory(brand=booking_location.brand, name="Second Place", time_zone="America/Denver")
    MembershipFactory(user=tenant_a.owner, location=second, role="owner")
    AppointmentFactory(
        location=booking_location, start=local(booking_location, 1, 10), end=local(booking_location, 1, 11)
    )
    AppointmentFactory(location=second, start=local(second, 1, 10), end=local(second, 1, 11))
    response = login(tenant_a.owner).get("/calendar/", {"date": local(booking_location, 1, 10).date().isoformat()})
    body = response.content.decode()
    assert "All my locations" in body and "Second Place" in body and booking_location.name in body


def _week_view_queries(client, location, n, django_assert_num_queries, expected):
    start = local(location, 1, 0)
    leads = LeadFactory.create_batch(2, location=location)
    Appointment.objects.bulk_create(
        Appointment(
            location=location,
            lead=leads[i % 2],
            start=start + dt.timedelta(minutes=30 * i),
            end=start + dt.timedelta(minutes=30 * i + 20),
            meeting_type="phone",
            status="booked" if i % 3 else "cancelled",
        )
        for i in range(n)
    )
    with django_assert_num_queries(expected):
        response = client.get("/calendar/", {"date": start.date().isoformat()})
    assert response.status_code == 200
    return response


def _pending_selector_queries(location) -> int:
    """Queries of the conflicts capability's pending_for_calendar (its own fixed count)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Location
    from calendars.selectors import pending_for_calendar

    with CaptureQueriesContext(connection) as captured:
        now = timezone.now()
        pending_for_calendar(locations_qs=Location.objects.filter(pk=location.pk), start=now, end=now)
    return len(captured)


# Week view queries, fixed whatever the number of appointments:
#  1 session, 2 user, 3 agent group check, 4 current_locations list, 5 editable location ids,
#  6 availability (windows and exceptions, one UNION ALL), 7 the appointments' digest per day
#  (calendars.cards: the days cached whole) and the slot holds (+ lead, request), one UNION ALL,
#  + pending approval requests (conflicts' pending_for_calendar: its own fixed count),
#  8 editor windows, 9 editor exceptions, 10 banner: managed per-appointment locations,
#  11 banner availability (one UNION ALL), 12 role on the Location (owners manage their own
#  calendars), 13 calendar sources, 14 switcher locations, 15 current location (header).
#  + 1 the appointments (+ lead) of the days not in the cache yet.
WEEK_VIEW_QUERIES = 15


@pytest.mark.parametrize("n", [1, 300])
def test_week_view_query_count_is_fixed(tenant_a, booking_location, n, django_assert_num_queries, fresh_cache):
    client = login(tenant_a.owner, booking_location)
    client.get("/calendar/")  # warm the session
    fresh_cache()  # the week's days are read from the database once
    expected = WEEK_VIEW_QUERIES + _pending_selector_queries(booking_location)
    response = _week_view_queries(client, booking_location, n, django_assert_num_queries, expected + 1)
    with django_assert_num_queries(expected):  # every day from the cache now
        again = client.get("/calendar/", {"date": local(booking_location, 1, 0).date().isoformat()})
    assert again.content.decode().count('class="appointment ') == response.content.decode().count('class="appointment ')
    first = local(booking_location, 1, 0).date()
    monday = first - dt.timedelta(days=first.weekday())
    shown = [
        a
        for a in Appointment.objects.filter(location=booking_location)
        if monday <= a.start.astimezone(booking_location.zone).date() < monday + dt.timedelta(days=7)
    ]
    assert response.content.decode().count('class="appointment ') == len(shown) > 0


def test_add_window_refuses_overlap_and_inverted(tenant_a, booking_location):
    client = login(tenant_a.manager, booking_location)
    url = f"/calendar/{booking_location.pk}/availability/windows/"
    data = {
        "window-weekday": "0",
        "window-start_time": "16:00",
        "window-end_time": "18:00",
        "window-meeting_types": ["phone"],
    }
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "overlaps" in response.content.decode()
    data.update({"window-start_time": "19:00", "window-end_time": "18:00"})
    response = client.post(url, data)
    assert response.status_code == 400 and "ends before it starts" in response.content.decode()
    data.update({"window-start_time": "20:00", "window-end_time": "00:00"})
    response = client.post(url, data)
    assert response.status_code == 302
    assert AvailabilityWindow.objects.filter(location=booking_location, weekday=0, start_time=dt.time(20)).exists()


def test_viewer_may_not_edit_availability(tenant_a, booking_location):
    client = login(tenant_a.viewer, booking_location)
    url = f"/calendar/{booking_location.pk}/availability/windows/"
    data = {
        "window-weekday": "0",
        "window-start_time": "18:00",
        "window-end_time": "19:00",
        "window-meeting_types": ["phone"],
    }
    assert client.post(url, data).status_code == 403
    window = AvailabilityWindowFactory(
        location=booking_location, weekday=1, start_time=dt.time(18), end_time=dt.time(19)
    )
    assert client.post(f"/calendar/windows/{window.pk}/delete/").status_code == 403


def test_exception_and_slot_settings(tenant_a, booking_location):
    client = login(tenant_a.owner, booking_location)
    day = (timezone.now() + dt.timedelta(days=5)).date().isoformat()
    response = client.post(
        f"/calendar/{booking_location.pk}/availability/exceptions/",
        {"exception-date": day, "exception-kind": "time_off"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "Time off" in response.content.decode()
    response = client.post(
        f"/calendar/{booking_location.pk}/availability/settings/",
        {"slots-slot_minutes": "45", "slots-buffer_minutes": "15", "slots-minimum_notice_minutes": "60"},
    )
    assert response.status_code == 302
    booking_location.refresh_from_db()
    assert (booking_location.slot_minutes, booking_location.buffer_minutes) == (45, 15)
    response = client.post(
        f"/calendar/{booking_location.pk}/availability/settings/",
        {"slots-slot_minutes": "0", "slots-buffer_minutes": "15", "slots-minimum_notice_minutes": "60"},
    )
    assert response.status_code == 400


def test_the_editors_empty_forms_show_each_locations_own_choices_and_settings(tenant_a, booking_location):
    """The empty forms' fields are rendered once per process and what they show
    (calendar_page.form_fields): another Location's meeting types, changed settings and a
    refused form's values and errors are never an earlier rendering."""
    client = login(tenant_a.owner, booking_location)
    Location.objects.filter(pk=booking_location.pk).update(meeting_types=["phone"], slot_minutes=60)
    body = client.get("/calendar/").content.decode()
    assert 'value="phone"' in body and 'value="video"' not in body and 'value="60"' in body
    Location.objects.filter(pk=booking_location.pk).update(meeting_types=["phone", "video"], slot_minutes=45)
    body = client.get("/calendar/").content.decode()
    assert body.count('value="video"') == 2 and 'name="slots-slot_minutes" value="45"' in body  # window, exception
    refused = client.post(
        f"/calendar/{booking_location.pk}/availability/settings/",
        {"slots-slot_minutes": "3", "slots-buffer_minutes": "15", "slots-minimum_notice_minutes": "60"},
    ).content.decode()
    assert 'value="3"' in refused and "errorlist" in refused
    assert 'name="slots-slot_minutes" value="45"' in client.get("/calendar/").content.decode()


def test_owner_cancels_reschedules_and_marks_from_the_calendar(tenant_a, booking_location, sent):
    lead = LeadFactory(location=booking_location, status="converted")
    appointment = AppointmentFactory(
        location=booking_location, lead=lead, start=local(booking_location, 3, 10), end=local(booking_location, 3, 11)
    )
    client = login(tenant_a.manager, booking_location)
    new_start = local(booking_location, 4, 14).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/calendar/appointments/{appointment.pk}/reschedule/", {"start": new_start}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    appointment.refresh_from_db()
    assert appointment.start == local(booking_location, 4, 14)
    response = client.post(
        f"/calendar/appointments/{appointment.pk}/reschedule/",
        {"start": local(booking_location, 4, 22).strftime("%Y-%m-%dT%H:%M")},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400 and "outside your availability" in response.content.decode()
    response = client.post(
        f"/calendar/appointments/{appointment.pk}/status/", {"status": "completed"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 409 and "not started" in response.content.decode()
    response = client.post(
        f"/calendar/appointments/{appointment.pk}/cancel/", {"reason": "Moved away", "next": "/calendar/"}
    )
    assert response.status_code == 302 and response["Location"] == "/calendar/"
    appointment.refresh_from_db()
    lead.refresh_from_db()
    assert appointment.status == "cancelled" and lead.status == "cancelled"


def test_viewer_and_brand_may_not_change_appointments(tenant_a, booking_location):
    appointment = AppointmentFactory(location=booking_location)
    for user in (tenant_a.viewer, tenant_a.brand_user):
        client = login(user)
        assert client.get(f"/calendar/appointments/{appointment.pk}/").status_code == 200
        assert client.post(f"/calendar/appointments/{appointment.pk}/cancel/").status_code == 403


def test_lead_appointments_partial(tenant_a, booking_location, rf):
    from django.template.loader import render_to_string

    from calendars.selectors import lead_appointments

    lead = LeadFactory(location=booking_location)
    AppointmentFactory(location=booking_location, lead=lead)
    request = rf.get("/leads/")

    def section(user):
        request.user = user
        context = {"lead": lead, "request": request, "lead_appointments": lead_appointments(lead=lead, user=user)}
        return render_to_string("calendars/_lead_appointments.html", context)

    html = section(tenant_a.owner)
    assert "Cancel appointment" in html and "Reschedule" in html
    html = section(tenant_a.viewer)
    assert "Cancel appointment" not in html and str(lead) in html


def test_notification_templates_show_local_time(tenant_a, booking_location):
    from django.template.loader import render_to_string

    appointment = AppointmentFactory(location=booking_location, start=local(booking_location, 2, 15))
    context = {"appointment": appointment, "local_start": appointment.start.astimezone(booking_location.zone)}
    for kind in ("booking", "forced_booking", "cancellation", "client_confirmation", "client_reminder"):
        text = render_to_string(f"notifications/email/{kind}.txt", context)
        assert "3:00 PM" in text.splitlines()[0] or "3:00 PM" in text, kind
        assert "3:00 PM" in render_to_string(f"notifications/sms/{kind}.txt", context) or kind == "cancellation"
