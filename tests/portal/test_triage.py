"""Triage (issue #11): the Action Center as one line per item, most urgent first — same-day
requests by start, urgent messages, conflicts by requested time, failed deliveries — each with its
age against its target, amber then red (a pure function, tested by a table with the clock pinned);
the page costs the same queries for 1 or 12 items of each kind."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.hours import business_deadline
from conflicts.models import Conflict
from notifications.models import Notification
from portal import triage
from tests.conftest import WEDNESDAY_NOON
from tests.factories import ConflictFactory, LeadFactory, OfficeMessageFactory, SameDayRequestFactory

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
T0 = WEDNESDAY_NOON  # Wed 2030-03-06 12:00 New York
MIN = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)


@pytest.mark.parametrize(
    "since, target, now, expected",
    [
        (T0, None, T0 + 100 * HOUR, "none"),  # a failed delivery: no target
        (T0, T0 + 60 * MIN, T0, "ok"),  # just arrived
        (T0, T0 + 60 * MIN, T0 + 29 * MIN, "ok"),
        (T0, T0 + 60 * MIN, T0 + 30 * MIN, "amber"),  # half the time gone
        (T0, T0 + 60 * MIN, T0 + 59 * MIN, "amber"),
        (T0, T0 + 60 * MIN, T0 + 60 * MIN, "red"),  # the target itself
        (T0, T0 + 60 * MIN, T0 + 10 * HOUR, "red"),
        (T0, T0 - 30 * MIN, T0, "red"),  # a same-day request raised 30 min before its start
        (T0, T0, T0 - MIN, "amber"),  # no time at all between arrival and target
        (T0, T0 + 15 * MIN, T0 + 7 * MIN + 30 * dt.timedelta(seconds=1), "amber"),  # urgent: 7.5 of 15 min
        (T0, T0 + 15 * MIN, T0 + 7 * MIN, "ok"),
    ],
)
def test_age_state_table(since, target, now, expected):
    assert triage.age_state(since=since, target=target, now=now) == expected


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """March 2030 in New York (the 6th is a Wednesday; DST starts on Sunday the 10th)."""
    return dt.datetime(2030, 3, day, hour, minute, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    "raised, hours, due",
    [
        (at(6, 12), 4, at(6, 16)),  # Wednesday noon + 4 business hours
        (at(6, 15), 4, at(7, 11)),  # two hours today, two tomorrow morning
        (at(6, 20), 4, at(7, 13)),  # raised in the evening: counted from 9:00
        (at(6, 7), 4, at(6, 13)),  # raised before opening
        (at(8, 16), 4, at(11, 12)),  # Friday 16:00 → Monday 12:00 (after the DST change)
        (at(9, 10), 4, at(11, 13)),  # raised on Saturday
        (at(6, 9), 8, at(6, 17)),  # a whole day ends at closing
        (at(6, 17), 0.5, at(7, 9, 30)),
    ],
)
def test_business_deadline_table(raised, hours, due):
    assert business_deadline(raised, hours, NEW_YORK) == due


def test_targets_of_each_kind(settings):
    settings.URGENT_ESCALATION_MINUTES = 15
    settings.CONFLICT_REMINDER_BUSINESS_HOURS = 4
    assert triage.same_day_target(at(6, 15)) == at(6, 14)  # an hour before the requested start
    assert triage.urgent_target(at(6, 12)) == at(6, 12, 15)
    assert triage.conflict_target(at(8, 16), NEW_YORK) == at(11, 12)  # the first reminder's due time


@pytest.mark.parametrize(
    "delta, text",
    [(dt.timedelta(0), "0 min"), (45 * MIN, "45 min"), (HOUR, "1 h"), (125 * MIN, "2 h 5 min"), (72 * HOUR, "3 days")],
)
def test_duration_text(delta, text):
    assert triage.duration_text(delta) == text


# --- the page ----------------------------------------------------------------------------------
def owner_client(tenant) -> Client:
    client = Client()
    client.force_login(tenant.owner)
    return client


def failed_delivery(location, *, created_at) -> Notification:
    lead = LeadFactory(location=location)
    return Notification.objects.create(
        location=location, kind="client_confirmation", channel="sms", recipient="+12125550111", body="See you.",
        idempotency_key=f"triage-failed-{uuid.uuid4()}", status="failed",
        subject_type=ContentType.objects.get_for_model(lead), subject_id=lead.pk, created_at=created_at,
        last_error="21211 invalid number",
    )  # fmt: skip


@pytest.mark.django_db
def test_lines_are_sorted_by_urgency_and_show_age_against_target(clock, tenant_a, settings):
    settings.URGENT_ESCALATION_MINUTES = 15
    location = tenant_a.location
    now = timezone.now()
    conflict_later = ConflictFactory(location=location, requested_start=now + 72 * HOUR, created_at=now - 30 * HOUR)
    conflict_sooner = ConflictFactory(location=location, requested_start=now + 30 * HOUR, created_at=now - 10 * MIN)
    same_day_later = SameDayRequestFactory(location=location, requested_start=now + 5 * HOUR, created_at=now - MIN)
    same_day_sooner = SameDayRequestFactory(
        location=location, requested_start=now + 90 * MIN, created_at=now - 60 * MIN
    )  # due in 30 min of 90: amber
    urgent = OfficeMessageFactory(location=location, urgent=True, caller_name="Una Urgent")
    type(urgent).objects.filter(pk=urgent.pk).update(created_at=now - 20 * MIN)  # past its 15 minutes: red
    OfficeMessageFactory(location=location, urgent=False)  # not a line
    failed = failed_delivery(location, created_at=now - 2 * HOUR)

    html = owner_client(tenant_a).get("/dashboard/").content.decode()
    order = [
        f"line-same_day-{same_day_sooner.pk}",
        f"line-same_day-{same_day_later.pk}",
        f"line-urgent_message-{urgent.pk}",
        f"line-conflict-{conflict_sooner.pk}",
        f"line-conflict-{conflict_later.pk}",
        f"line-failed_delivery-{failed.pk}",
    ]
    positions = [html.index(f'id="{dom}"') for dom in order]
    assert positions == sorted(positions)
    assert f'class="tri-line tri-amber" id="line-same_day-{same_day_sooner.pk}"' in html
    assert f'class="tri-line tri-ok" id="line-same_day-{same_day_later.pk}"' in html
    assert f'class="tri-line tri-red" id="line-urgent_message-{urgent.pk}"' in html
    assert f'class="tri-line tri-none" id="line-failed_delivery-{failed.pk}"' in html
    assert "Due soon</strong> · 1 h ago · due in 30 min" in html
    assert "Overdue</strong> · 20 min ago · 5 min over target" in html
    # Raised on Tuesday at 6:00: due 4 business hours later, Tuesday 13:00.
    assert f'class="tri-line tri-red" id="line-conflict-{conflict_later.pk}"' in html
    assert 'data-live-count="action_center" data-keep-zero>5<' in html  # 2 same-day + 1 urgent + 2 conflicts
    assert 'id="count-failed" data-live-count="failed_deliveries" data-keep-zero>1<' in html


@pytest.mark.django_db
def test_each_line_opens_in_place_with_its_answer(clock, tenant_a):
    location = tenant_a.location
    same_day = SameDayRequestFactory(location=location)
    conflict = ConflictFactory(location=location)
    urgent = OfficeMessageFactory(location=location, urgent=True, callback_number="+13475550199")
    html = owner_client(tenant_a).get("/dashboard/").content.decode()
    for dom, answer in (
        (f"same_day-{same_day.pk}", f'hx-post="/same-day/{same_day.pk}/respond/"'),
        (f"conflict-{conflict.pk}", f'hx-post="/conflicts/{conflict.pk}/respond/"'),
        (f"urgent_message-{urgent.pk}", f'hx-post="/messages/{urgent.pk}/called-back/"'),
    ):
        line = html[html.index(f'id="line-{dom}"') :]
        line = line[: line.index("</li>")]
        assert f'<details id="item-{dom}"' in line and f'<summary id="summary-{dom}">' in line
        assert answer in line and " open" not in line.split(">")[1]  # closed until tapped
    assert 'href="tel:+13475550199"' in html


@pytest.mark.django_db
def test_called_back_in_place_fires_the_answered_trigger(tenant_a):
    message = OfficeMessageFactory(location=tenant_a.location, urgent=True)
    response = owner_client(tenant_a).post(
        f"/messages/{message.pk}/called-back/", {"note": "Sent a caregiver"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and response["HX-Trigger"] == "pending-answered"
    got_it = OfficeMessageFactory(location=tenant_a.location, urgent=True)
    response = owner_client(tenant_a).post(f"/messages/{got_it.pk}/got-it/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "HX-Trigger" not in response  # still waiting for a call back


def _dashboard_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/dashboard/").status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_the_action_center_costs_the_same_queries_for_1_or_12_items_of_each_kind(tenant_a):
    location = tenant_a.location
    client = owner_client(tenant_a)
    now = timezone.now()

    def add(n):
        for i in range(n):
            lead = LeadFactory(location=location)
            ConflictFactory(location=location, lead=lead)
            SameDayRequestFactory(location=location, lead=LeadFactory(location=location))
            OfficeMessageFactory(location=location, urgent=True)
            failed_delivery(location, created_at=now - dt.timedelta(minutes=i + 1))

    add(1)
    _dashboard_queries(client)  # warm the session and the content types
    one = _dashboard_queries(client)
    add(11)
    twelve = _dashboard_queries(client)
    html = client.get("/dashboard/").content.decode()
    # The most urgent lines, the rest one tap away; the counters count every waiting item.
    assert html.count('class="tri-line ') == triage.SHOWN and "Show all 48 waiting items" in html
    assert 'id="ac-total" class="badge danger" data-live-count="action_center" data-keep-zero>36<' in html
    assert client.get("/dashboard/?all=1").content.decode().count('class="tri-line ') == 4 * 12
    assert Conflict.objects.filter(location=location).count() == 12
    # session, user, access, current location, conflicts, same-day requests, urgent messages,
    # failed deliveries, month + chart, recent leads, recent messages, switcher, sufficiency banner
    # (3), failing calendar sources — the same with 1 or 12 of each.
    assert one == twelve <= 20, (one, twelve)
