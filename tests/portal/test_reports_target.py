"""Reports: "answered within target" per month and Location (issue #11) — of the conflicts,
same-day requests and urgent messages that arrived in the Location's local month, how many were
answered by the Action Center's target (portal.triage)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portal.reports import answered_within_target
from tests.factories import ConflictFactory, OfficeMessageFactory, SameDayRequestFactory

pytestmark = pytest.mark.django_db
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2030, month, day, hour, minute, tzinfo=NEW_YORK)  # March 6, 2030 is a Wednesday


def urgent(location, *, created, acknowledged=None, is_urgent=True):
    message = OfficeMessageFactory(location=location, urgent=is_urgent)
    type(message).objects.filter(pk=message.pk).update(created_at=created, acknowledged_at=acknowledged)
    return message


def month_of_items(tenant, tenant_b, settings):
    settings.URGENT_ESCALATION_MINUTES = 15
    settings.CONFLICT_REMINDER_BUSINESS_HOURS = 4
    location = tenant.location
    # Conflicts raised Wednesday noon: due 16:00.
    ConflictFactory(location=location, created_at=at(6, 12), responded_at=at(6, 15), status="approved")
    ConflictFactory(location=location, created_at=at(6, 12), responded_at=at(7, 10), status="declined")
    ConflictFactory(location=location, created_at=at(6, 12))  # still waiting
    ConflictFactory(location=location, created_at=at(28, 12, month=2), responded_at=at(28, 13, month=2))  # February
    ConflictFactory(location=tenant_b.location, created_at=at(6, 12), responded_at=at(6, 13))  # another tenant
    # Same-day requests for 15:00: due 14:00.
    SameDayRequestFactory(
        location=location, created_at=at(6, 11), requested_start=at(6, 15), responded_at=at(6, 13, 30)
    )
    SameDayRequestFactory(
        location=location, created_at=at(6, 11), requested_start=at(6, 15), responded_at=at(6, 14, 30)
    )
    # Urgent messages: "Got it" within 15 minutes.
    urgent(location, created=at(6, 12), acknowledged=at(6, 12, 10))
    urgent(location, created=at(6, 12), acknowledged=at(6, 12, 20))
    urgent(location, created=at(6, 12), acknowledged=at(6, 12, 1), is_urgent=False)  # not urgent: not counted


def test_answered_within_target_per_location(tenant_a, tenant_b, settings):
    month_of_items(tenant_a, tenant_b, settings)
    [row] = answered_within_target([tenant_a.location], 2030, 3)["target_rows"]
    assert row["location"] == tenant_a.location
    assert row["conflicts"] == {"within": 1, "total": 3, "percent": 33}
    assert row["same_day"] == {"within": 1, "total": 2, "percent": 50}
    assert row["urgent"] == {"within": 1, "total": 2, "percent": 50}
    assert row["all"] == {"within": 3, "total": 7, "percent": 43}
    [february] = answered_within_target([tenant_a.location], 2030, 2)["target_rows"]
    assert february["conflicts"] == {"within": 1, "total": 1, "percent": 100}
    assert february["same_day"] == {"within": 0, "total": 0, "percent": None}


def test_the_reports_page_shows_it_in_a_fixed_number_of_queries(tenant_a, tenant_b, settings):
    client = Client()
    client.force_login(tenant_a.owner)
    ConflictFactory(location=tenant_a.location, created_at=at(6, 12), responded_at=at(6, 15), status="approved")
    client.get("/reports/", {"month": "2030-03"})
    with CaptureQueriesContext(connection) as few:
        client.get("/reports/", {"month": "2030-03"})
    month_of_items(tenant_a, tenant_b, settings)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/reports/", {"month": "2030-03"}).content.decode()
    assert len(few) == len(many)
    table = page[page.index('id="answered-within-target"') :]
    table = table[: table.index("</table>")]
    assert tenant_a.location.name in table and tenant_b.location.name not in table
    assert "<strong>50%</strong>" in table and "1 of 2" in table and "4 of 8" in table  # conflicts 2/4 with the first
