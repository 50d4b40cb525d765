"""The owner's own calendars on the calendar tab: add (ICS or CalDAV), refresh now, remove; a
failing source in the Action Center with when it last worked."""

import datetime as dt

import pytest

from calendars.models import CalendarSource
from tests.clients import login
from tests.support_calendar_servers import PASSWORD, USER

from .test_calendar_sources import ics

pytestmark = pytest.mark.django_db


def add(client, location, **fields):
    data = {"source-kind": "ics", "source-url": "", "source-name": "", "source-username": "", "source-password": ""}
    data.update({f"source-{k}": v for k, v in fields.items()})
    return client.post(f"/calendar/{location.pk}/sources/", data)


def test_owner_adds_refreshes_and_removes_an_ics_address(clock, tenant_a, booking_location, ics_server):
    owner = login(tenant_a.owner, booking_location)
    page = owner.get("/calendar/").content.decode()
    assert "Your own calendars" in page and 'name="source-password"' in page
    ics_server.body = ics("all_day")
    response = add(owner, booking_location, url=ics_server.url, name="Google")
    assert response.status_code == 302 and response["Location"].endswith("#calendar-sources")
    source = CalendarSource.objects.get(location=booking_location)
    assert source.name == "Google" and source.busy_blocks.count() == 1
    page = owner.get("/calendar/").content.decode()
    assert "Google" in page and "Last read" in page
    # Refresh now (HTMX: the card comes back).
    response = owner.post(f"/calendar/sources/{source.pk}/refresh/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="calendar-sources"' in response.content.decode()
    assert ics_server.requests == 2
    response = owner.post(f"/calendar/sources/{source.pk}/delete/")
    assert response.status_code == 302 and not CalendarSource.objects.exists()


def test_bad_addresses_and_credentials_get_a_clear_message_and_store_nothing(
    clock, tenant_a, booking_location, ics_server, radicale
):
    owner = login(tenant_a.owner, booking_location)
    ics_server.status = 404
    response = add(owner, booking_location, url=ics_server.url)
    assert response.status_code == 400
    assert "answered 404: check that it is the secret (private) address" in response.content.decode()
    response = add(owner, booking_location, url="ftp://example.test/cal.ics", HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "https:// or webcal://" in response.content.decode()
    radicale.new_calendar("ui-private")
    response = add(
        owner,
        booking_location,
        kind="caldav",
        url=radicale.calendar_url("ui-private"),
        username=USER,
        password="not-the-password",
    )
    body = response.content.decode()
    assert response.status_code == 400 and "refused the user name or app password" in body
    assert "not-the-password" not in body  # a typed password is never sent back
    assert not CalendarSource.objects.exists()


def test_a_caldav_password_is_never_shown_again(clock, tenant_a, booking_location, radicale):
    owner = login(tenant_a.owner, booking_location)
    radicale.new_calendar("ui-caldav")
    response = add(
        owner,
        booking_location,
        kind="caldav",
        url=radicale.calendar_url("ui-caldav"),
        username=USER,
        password=PASSWORD,
        push_bookings="on",
    )
    assert response.status_code == 302
    source = CalendarSource.objects.get()
    assert source.push_bookings and PASSWORD not in source.password_encrypted
    page = owner.get("/calendar/").content.decode()
    assert "bookings are put here" in page and PASSWORD not in page


def test_only_owners_manage_sources(clock, tenant_a, tenant_b, booking_location):
    source = CalendarSource.objects.create(location=booking_location, kind="ics", url="https://example.test/a.ics")
    manager = login(tenant_a.manager, booking_location)
    assert "Your own calendars" not in manager.get("/calendar/").content.decode()
    assert add(manager, booking_location, url="https://example.test/b.ics").status_code == 403
    assert manager.post(f"/calendar/sources/{source.pk}/delete/").status_code == 403
    outsider = login(tenant_b.owner, tenant_b.location)
    assert outsider.post(f"/calendar/sources/{source.pk}/refresh/").status_code == 404
    assert CalendarSource.objects.filter(pk=source.pk).exists()


def test_a_failing_source_shows_in_the_action_center_with_when_it_last_worked(
    clock, tenant_a, booking_location, ics_server
):
    owner = login(tenant_a.owner, booking_location)
    ics_server.body = ics("all_day")
    add(owner, booking_location, url=ics_server.url, name="Outlook")
    assert "could not be read" not in owner.get("/dashboard/").content.decode()
    ics_server.status = 500
    clock.shift(dt.timedelta(hours=2))
    response = owner.post(f"/calendar/sources/{CalendarSource.objects.get().pk}/refresh/", follow=True)
    assert "could not be read: The calendar address answered 500." in response.content.decode()
    page = owner.get("/dashboard/").content.decode()
    assert "Your calendar “Outlook” could not be read" in page
    assert "last worked Wed Mar 6, 12:00 PM (America/New_York)" in page
