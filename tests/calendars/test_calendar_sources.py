"""Calendar truth (DESIGN.md "Round 2 contracts"): an owner's own calendars — an ICS address on
a local HTTP server and a CalDAV calendar on a real radicale server — become busy blocks that
the slots API subtracts."""

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from icalendar import Calendar

from calendars import credentials
from calendars.models import BusyBlock, CalendarSource
from calendars.sources import calendar_source_add, calendar_source_refresh, calendar_sources_refresh
from calendars.tasks import refresh_calendar_sources
from tests.conftest import token_client
from tests.support_calendar_servers import PASSWORD, USER

pytestmark = pytest.mark.django_db

NY = "America/New_York"
# The clock is Wednesday 2030-03-06 noon in New York; the US changes to summer time on Sunday
# March 10, London on March 31. Each event's local busy hours (availability is 09:00–17:00):
EVENTS = {
    # Weekly on Thursdays 10:00 New York: Mar 7 busy, Mar 14 removed (EXDATE), Mar 21 moved to
    # 15:00, Mar 28 cancelled.
    "weekly": f"""BEGIN:VEVENT
UID:weekly@owner
DTSTAMP:20300101T000000Z
DTSTART;TZID={NY}:20300307T100000
DTEND;TZID={NY}:20300307T110000
RRULE:FREQ=WEEKLY;COUNT=4
EXDATE;TZID={NY}:20300314T100000
SUMMARY:Dentist
END:VEVENT
BEGIN:VEVENT
UID:weekly@owner
DTSTAMP:20300101T000000Z
RECURRENCE-ID;TZID={NY}:20300321T100000
DTSTART;TZID={NY}:20300321T150000
DTEND;TZID={NY}:20300321T160000
SUMMARY:Dentist (moved)
END:VEVENT
BEGIN:VEVENT
UID:weekly@owner
DTSTAMP:20300101T000000Z
RECURRENCE-ID;TZID={NY}:20300328T100000
DTSTART;TZID={NY}:20300328T100000
DTEND;TZID={NY}:20300328T110000
STATUS:CANCELLED
SUMMARY:Dentist (cancelled)
END:VEVENT
""",
    # Saturday 20:00 to Sunday 11:00 across the spring-forward night: 14 real hours.
    "overnight": f"""BEGIN:VEVENT
UID:overnight@owner
DTSTAMP:20300101T000000Z
DTSTART;TZID={NY}:20300309T200000
DTEND;TZID={NY}:20300310T110000
SUMMARY:Trip
END:VEVENT
""",
    # Tuesdays 14:00 London, its own zone: 10:00 in New York once the US changed (Mar 12–26).
    "london": """BEGIN:VEVENT
UID:london@owner
DTSTAMP:20300101T000000Z
DTSTART;TZID=Europe/London:20300312T140000
DTEND;TZID=Europe/London:20300312T150000
RRULE:FREQ=WEEKLY;COUNT=3
SUMMARY:Call with London
END:VEVENT
""",
    "all_day": """BEGIN:VEVENT
UID:all-day@owner
DTSTAMP:20300101T000000Z
DTSTART;VALUE=DATE:20300315
DTEND;VALUE=DATE:20300316
SUMMARY:Holiday
END:VEVENT
""",
    # Floating time: the Location's own 13:00.
    "floating": """BEGIN:VEVENT
UID:floating@owner
DTSTAMP:20300101T000000Z
DTSTART:20300318T130000
DTEND:20300318T140000
SUMMARY:Lunch
END:VEVENT
""",
    "free": f"""BEGIN:VEVENT
UID:free@owner
DTSTAMP:20300101T000000Z
DTSTART;TZID={NY}:20300311T090000
DTEND;TZID={NY}:20300311T170000
TRANSP:TRANSPARENT
SUMMARY:Working from home (free)
END:VEVENT
""",
}
BUSY_LOCAL = {
    (dt.date(2030, 3, 7), 10),
    (dt.date(2030, 3, 21), 15),
    (dt.date(2030, 3, 10), 9),
    (dt.date(2030, 3, 10), 10),
    (dt.date(2030, 3, 12), 10),
    (dt.date(2030, 3, 19), 10),
    (dt.date(2030, 3, 26), 10),
    (dt.date(2030, 3, 18), 13),
    *((dt.date(2030, 3, 15), hour) for hour in range(9, 17)),
}


def ics(*names: str) -> bytes:
    """One VCALENDAR of the named events, with the VTIMEZONEs they use (as Google sends it)."""
    text = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//owner//EN\n" + "".join(EVENTS[n] for n in names)
    calendar = Calendar.from_ical(text.replace("\n", "\r\n") + "END:VCALENDAR\r\n")
    calendar.add_missing_timezones()
    return calendar.to_ical()


def free_slot_hours(agent_api, location) -> set:
    """(local date, hour) of every phone slot offered Thursday Mar 7 – Saturday Mar 30."""
    response = agent_api.get(
        f"/api/v1/locations/{location.pk}/slots/",
        {"start": "2030-03-07", "end": "2030-03-31", "meeting_type": "phone"},
    )
    assert response.status_code == 200
    hours = set()
    for row in response.json():
        start = dt.datetime.fromisoformat(row["start"]).astimezone(location.zone)
        hours.add((start.date(), start.hour))
    return hours


EVERY_HOUR = {(dt.date(2030, 3, 7) + dt.timedelta(days=d), h) for d in range(24) for h in range(9, 17)}


def test_ics_address_busy_times_are_not_offered(clock, agent_api, booking_location, tenant_a, ics_server):
    assert free_slot_hours(agent_api, booking_location) == EVERY_HOUR
    ics_server.body = ics(*EVENTS)
    # Owners paste webcal:// addresses; the test server is plain HTTP, so give it as such.
    source = calendar_source_add(
        location=booking_location, actor=tenant_a.owner, kind="ics", url=ics_server.url, name="Google"
    )
    assert source.last_success_at is not None and not source.last_error
    assert free_slot_hours(agent_api, booking_location) == EVERY_HOUR - BUSY_LOCAL
    # No title kept: only instants.
    assert {f.name for f in BusyBlock._meta.concrete_fields} == {"id", "location", "source", "start", "end"}


def test_caldav_calendar_busy_times_are_not_offered(clock, agent_api, booking_location, tenant_a, radicale):
    calendar = radicale.new_calendar("busy-times")
    for name in EVENTS:
        calendar.save_event(ical=ics(name).decode())
    source = calendar_source_add(
        location=booking_location,
        actor=tenant_a.owner,
        kind="caldav",
        url=radicale.calendar_url("busy-times"),
        username=USER,
        password=PASSWORD,
    )
    assert source.password_encrypted and PASSWORD not in source.password_encrypted
    assert credentials.decrypt(source.password_encrypted) == PASSWORD
    assert free_slot_hours(agent_api, booking_location) == EVERY_HOUR - BUSY_LOCAL
    # The owner removes the dentist from their calendar: the next refresh frees Thursday 10:00.
    calendar.get_event_by_uid("weekly@owner").delete()
    assert calendar_source_refresh(source=source)
    free = free_slot_hours(agent_api, booking_location)
    assert (dt.date(2030, 3, 7), 10) in free and (dt.date(2030, 3, 21), 15) in free
    assert (dt.date(2030, 3, 15), 12) not in free


def test_bad_address_and_bad_credentials_are_refused_clearly(clock, booking_location, tenant_a, radicale, ics_server):
    ics_server.status = 404
    with pytest.raises(ValidationError) as refused:
        calendar_source_add(location=booking_location, actor=tenant_a.owner, kind="ics", url=ics_server.url)
    assert "answered 404" in refused.value.message_dict["url"][0]
    radicale.new_calendar("private")
    with pytest.raises(ValidationError) as refused:
        calendar_source_add(
            location=booking_location,
            actor=tenant_a.owner,
            kind="caldav",
            url=radicale.calendar_url("private"),
            username=USER,
            password="wrong",
        )
    assert refused.value.message_dict["password"] == ["The CalDAV server refused the user name or app password."]
    with pytest.raises(ValidationError):
        calendar_source_add(location=booking_location, actor=tenant_a.owner, kind="ics", url="ftp://example.com/x")
    assert not CalendarSource.objects.exists()


def test_refresh_is_conditional_and_a_failure_keeps_the_last_blocks(clock, booking_location, tenant_a, ics_server):
    ics_server.body = ics("all_day")
    source = calendar_source_add(location=booking_location, actor=tenant_a.owner, kind="ics", url=ics_server.url)
    assert BusyBlock.objects.filter(source=source).count() == 1
    assert calendar_source_refresh(source=source)
    assert ics_server.not_modified == 1  # ETag sent back: 304, nothing re-parsed
    ics_server.status = 500
    clock.shift(dt.timedelta(minutes=30))
    assert not calendar_source_refresh(source=source)
    source.refresh_from_db()
    assert source.last_error == "The calendar address answered 500." and source.last_success_at < source.last_attempt_at
    assert BusyBlock.objects.filter(source=source).count() == 1


def test_beat_refreshes_sources_due_every_ten_minutes_and_the_command_all(
    clock, booking_location, tenant_a, ics_server
):
    ics_server.body = ics("all_day")
    calendar_source_add(location=booking_location, actor=tenant_a.owner, kind="ics", url=ics_server.url)
    requests_after_add = ics_server.requests
    clock.shift(dt.timedelta(minutes=5))
    assert refresh_calendar_sources() == 0 and ics_server.requests == requests_after_add  # not due yet
    clock.shift(dt.timedelta(minutes=6))
    refresh_calendar_sources()
    assert ics_server.requests == requests_after_add + 1
    out = StringIO()
    call_command("sync_calendar_sources", "--location", str(booking_location.pk), stdout=out)
    assert ics_server.requests == requests_after_add + 2
    assert out.getvalue().strip() == "1 calendar source(s) refreshed, 0 failed."
    assert calendar_sources_refresh(location_id=booking_location.pk + 999, due_only=False) == (0, 0)


def test_booking_a_busy_time_needs_the_owners_approval(clock, agent, booking_location, lead, tenant_a, ics_server):
    ics_server.body = ics("overnight")
    calendar_source_add(location=booking_location, actor=tenant_a.owner, kind="ics", url=ics_server.url)
    start = dt.datetime(2030, 3, 10, 9, tzinfo=booking_location.zone)
    body = {"lead": lead.pk, "start": start.isoformat(), "end": (start + dt.timedelta(hours=1)).isoformat(),
            "meeting_type": "phone"}  # fmt: skip
    response = token_client(agent).post("/api/v1/appointments/", body, format="json")
    assert response.status_code == 400
    assert "outside the owner's availability" in response.json()["start"][0]
    body["start"], body["end"] = (
        (start + dt.timedelta(hours=2)).isoformat(),
        (start + dt.timedelta(hours=3)).isoformat(),
    )
    assert token_client(agent).post("/api/v1/appointments/", body, format="json").status_code == 201


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6379/x.ics",
        "webcal://localhost/basic.ics",
        "https://10.1.2.3/cal.ics",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/cal.ics",
    ],
)
def test_an_address_into_the_portals_own_network_is_refused(clock, booking_location, tenant_a, settings, url):
    """Owners type addresses the server fetches: not the portal's own network (loopback, private,
    link-local such as a cloud metadata service), for ICS and CalDAV alike."""
    settings.CALENDAR_SOURCE_ALLOW_PRIVATE_HOSTS = False
    for kind in ("ics", "caldav"):
        with pytest.raises(ValidationError) as refused:
            calendar_source_add(location=booking_location, actor=tenant_a.owner, kind=kind, url=url, password="x")
        assert refused.value.message_dict["url"] == [
            "This address is not on the public internet: give the calendar's public address."
        ]
    assert not CalendarSource.objects.exists()


def test_a_redirect_into_the_portals_own_network_is_refused(monkeypatch, settings):
    """The public address answering with a redirect to a private one is refused before it is followed."""
    from calendars import remote

    settings.CALENDAR_SOURCE_ALLOW_PRIVATE_HOSTS = False
    fetched = []

    class Redirect:
        is_redirect, status_code = True, 302
        headers = {"Location": "http://127.0.0.1:8000/admin/"}

    def get(url, **kwargs):
        fetched.append(url)
        if len(fetched) > 1:
            raise AssertionError("the private target was fetched")
        return Redirect()

    monkeypatch.setattr(remote.requests, "get", get)
    monkeypatch.setattr(remote.socket, "getaddrinfo", lambda host, port: [(0, 0, 0, "", (
        "127.0.0.1" if host == "127.0.0.1" else "93.184.216.34", port))])  # fmt: skip
    with pytest.raises(remote.SourceError, match="not on the public internet"):
        remote.fetch_ics("https://calendar.example.com/owner.ics")
    assert fetched == ["https://calendar.example.com/owner.ics"]
