"""A refused answer leaves the owner a live box (issue #16 item 4).

Seed 004 lines 9–18: owners answer in the Action Center and on the calendar tab ("Click a red
appointment. Either approve, decline, or suggest an alternate"). DESIGN.md "Portal actions": a
refused answer changes nothing and shows its reason. After a 400 or 409 the returned box keeps
its HTMX wiring, the page's channel and return address, and what the owner typed; the answer then
given is recorded with the channel of the page it came from.
"""

import datetime as dt
import re
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import ConflictFactory, SameDayRequestFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def owner_client(tenant) -> Client:
    client = Client()
    client.force_login(tenant.owner)
    return client


def hidden(html: str, name: str) -> list[str]:
    """The hidden inputs of the answer boxes (not the header's location switcher)."""
    boxes = html[html.index('class="answer-box"') :]
    return [unescape(v) for v in re.findall(rf'<input type="hidden" name="{name}" value="([^"]*)"', boxes)]


def past_alternate(conflict, **extra) -> dict:
    return {
        "decision": "alternate",
        "alternate_date": "2020-01-06",
        "alternate_time": "10:30",
        "alternate_meeting_type": "phone",
        "notes": "Mornings suit me",
        **extra,
    }


def test_a_refused_alternate_on_the_calendar_tab_keeps_a_live_box_and_the_calendar_channel(tenant_a):
    conflict = ConflictFactory(location=tenant_a.location)
    client = owner_client(tenant_a)
    day = conflict.requested_start.astimezone(tenant_a.location.zone).date().isoformat()
    calendar = client.get("/calendar/", {"view": "week", "date": day}).content.decode()
    channel, next_url = hidden(calendar, "channel")[0], hidden(calendar, "next")[0]
    assert channel == "calendar" and next_url.startswith("/calendar/")

    url = f"/conflicts/{conflict.pk}/respond/"
    refused = client.post(url, past_alternate(conflict, channel=channel, next=next_url), **HTMX)
    assert refused.status_code == 400
    box = refused.content.decode()
    assert "The alternate must be in the future." in box
    # Still wired for HTMX, swapping itself, from the calendar, back to the calendar.
    assert box.count(f'hx-post="{url}"') == 2 and box.count(f'hx-target="#answer-conflict-{conflict.pk}"') == 2
    assert set(hidden(box, "channel")) == {"calendar"} and set(hidden(box, "next")) == {next_url}
    # What the owner typed is still there, in the alternate form it came from.
    assert '<details class="alternate" open>' in box
    assert 'value="2020-01-06"' in box and 'value="10:30"' in box and '<option value="phone" selected>' in box
    assert ">Mornings suit me</textarea>" in box
    assert 'hx-swap-oob="true"' not in box  # the calendar has no Action Center counters

    corrected = client.post(
        url, {"decision": "decline", "channel": hidden(box, "channel")[0], "next": hidden(box, "next")[0]}, **HTMX
    )
    assert corrected.status_code == 200 and "answered" in corrected.content.decode()
    conflict.refresh_from_db()
    assert (conflict.status, conflict.response_channel) == ("declined", "calendar")


def test_a_refused_answer_in_the_action_center_keeps_the_notes_and_the_reason(tenant_a):
    conflict = ConflictFactory(location=tenant_a.location)
    client = owner_client(tenant_a)
    url = f"/conflicts/{conflict.pk}/respond/"
    refused = client.post(url, {"decision": "maybe", "notes": "Call me first", "channel": "action_center",
                                "next": "/dashboard/"}, **HTMX)  # fmt: skip
    box = refused.content.decode()
    assert refused.status_code == 400 and "Choose approve, decline or alternate." in box
    assert ">Call me first</textarea>" in box and '<details class="alternate">' in box
    assert set(hidden(box, "channel")) == {"action_center"} and set(hidden(box, "next")) == {"/dashboard/"}
    assert 'id="count-conflicts"' in box  # the Action Center's counters, out of band


def test_a_plain_post_refusal_keeps_the_values_and_the_page_to_return_to(tenant_a):
    conflict = ConflictFactory(location=tenant_a.location)
    client = owner_client(tenant_a)
    future = (timezone.now() + dt.timedelta(days=9)).astimezone(tenant_a.location.zone).date().isoformat()
    refused = client.post(
        f"/conflicts/{conflict.pk}/respond/",
        past_alternate(conflict, channel="calendar", next=f"/calendar/?date={future}"),
    )
    page = refused.content.decode()
    assert refused.status_code == 400 and "The alternate must be in the future." in page
    assert set(hidden(page, "channel")) == {"calendar"} and set(hidden(page, "next")) == {f"/calendar/?date={future}"}
    assert 'value="2020-01-06"' in page
    answered = client.post(
        f"/conflicts/{conflict.pk}/respond/",
        {"decision": "approve", "channel": "calendar", "next": f"/calendar/?date={future}"},
    )
    assert answered.status_code == 302 and answered["Location"] == f"/calendar/?date={future}"
    conflict.refresh_from_db()
    assert conflict.response_channel == "calendar"


def test_a_same_day_answer_after_a_refusal_on_the_calendar_is_recorded_as_calendar(tenant_a):
    request = SameDayRequestFactory(location=tenant_a.location)
    client = owner_client(tenant_a)
    url = f"/same-day/{request.pk}/respond/"
    refused = client.post(url, {"decision": "later", "channel": "calendar", "next": "/calendar/"}, **HTMX)
    box = refused.content.decode()
    assert refused.status_code == 400 and "Choose approve or decline." in box
    assert box.count(f'hx-post="{url}"') == 1 and set(hidden(box, "channel")) == {"calendar"}
    client.post(url, {"decision": "decline", "channel": hidden(box, "channel")[0]}, **HTMX)
    request.refresh_from_db()
    assert (request.status, request.response_channel) == ("declined", "calendar")
