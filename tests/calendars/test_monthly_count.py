"""The monthly appointment count (DESIGN.md "Calendars", seed 004) and the Reports page."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from conflicts.models import Conflict
from conflicts.monthly_count import monthly_appointment_count
from tests.factories import AppointmentFactory, ConflictFactory, LeadFactory, LocationFactory, MembershipFactory

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")


def at(y, m, d, h=12, zone=NY):
    return dt.datetime(y, m, d, h, tzinfo=zone)


def test_monthly_count_definition(tenant_a):
    location = tenant_a.location  # America/New_York
    lead = LeadFactory(location=location)
    test_lead = LeadFactory(location=location, test=True)
    start = at(2025, 4, 20, 10)
    hour = iter(range(100))

    def appt(created, who=lead, **kw):
        when = start + dt.timedelta(hours=next(hour))
        return AppointmentFactory(location=location, lead=who, created_at=created, start=when, **kw)

    def conflict(status, responded=None, who=lead):
        return ConflictFactory(location=location, lead=who, status=status, responded_at=responded)

    S = Conflict.Status
    counted = [
        appt(at(2025, 3, 1, 0)),  # local midnight of the 1st
        appt(at(2025, 3, 15), forced=True),
        appt(at(2025, 3, 31, 23), status="cancelled"),
        appt(at(2025, 3, 20), status="completed"),
    ]
    # Not counted: booked in February / April (local), a test lead's, one from a conflict.
    appt(at(2025, 2, 28, 23))
    appt(at(2025, 4, 1, 0))
    appt(at(2025, 3, 10), who=test_lead)
    approved = conflict(S.APPROVED, at(2025, 3, 5))
    appt(at(2025, 3, 6), conflict=approved, forced=True)
    # Conflicts answered in March, any answer, each once; pending / answered in April / test not counted.
    declined = conflict(S.DECLINED, at(2025, 3, 9))
    alternate = conflict(S.ALTERNATE_SUGGESTED, at(2025, 3, 31, 23))
    closed = conflict(S.CLOSED, at(2025, 3, 12))
    conflict(S.PENDING)
    conflict(S.APPROVED, at(2025, 4, 1, 0))
    conflict(S.APPROVED, at(2025, 3, 8), who=test_lead)
    # Another Location's rows never count here.
    AppointmentFactory(created_at=at(2025, 3, 10))

    count = monthly_appointment_count(location=location, year=2025, month=3)
    assert sorted(a.pk for a in count.appointments) == sorted(a.pk for a in counted)
    assert sorted(c.pk for c in count.conflicts) == sorted([approved.pk, declined.pk, alternate.pk, closed.pk])
    assert (count.booked_count, count.forced_count, count.cancelled_count, count.conflicts_count) == (4, 1, 1, 4)
    assert count.total == 8


def test_local_month_differs_by_zone(tenant_a):
    denver = LocationFactory(time_zone="America/Denver")
    # 2025-04-01 05:30 UTC is still March 31 in Denver (23:30) but April 1 in New York (01:30).
    moment = dt.datetime(2025, 4, 1, 5, 30, tzinfo=dt.UTC)
    AppointmentFactory(location=tenant_a.location, created_at=moment)
    AppointmentFactory(location=denver, created_at=moment)
    assert monthly_appointment_count(location=tenant_a.location, year=2025, month=3).total == 0
    assert monthly_appointment_count(location=tenant_a.location, year=2025, month=4).total == 1
    assert monthly_appointment_count(location=denver, year=2025, month=3).total == 1


def test_reports_page_and_csv(tenant_a, tenant_b):
    location = tenant_a.location
    AppointmentFactory(location=location, created_at=at(2025, 3, 10))
    AppointmentFactory(location=location, created_at=at(2025, 3, 11), status="cancelled", cancel_reason="Moved")
    ConflictFactory(location=location, status=Conflict.Status.DECLINED, responded_at=at(2025, 3, 12))
    AppointmentFactory(location=tenant_b.location, created_at=at(2025, 3, 10))
    for role in ("owner", "manager", "viewer", "brand"):
        client = Client()
        client.force_login(tenant_a.user(role))
        response = client.get("/reports/", {"month": "2025-03"})
        assert response.status_code == 200, role
        body = response.content.decode()
        assert location.name in body and tenant_b.location.name not in body
        assert "<strong>3</strong>" in body  # 2 appointments + 1 conflict
        assert "Moved" in body  # cancelled listed separately
    client = Client()
    client.force_login(tenant_a.owner)
    response = client.get("/reports/appointments.csv", {"month": "2025-03"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["location", "month", "counted_as"]
    assert [r[2] for r in rows[1:]] == ["appointment", "appointment", "conflict_answered", "total"]
    assert rows[-1][-1] == "3"


def test_reports_query_count_is_fixed_whatever_the_rows(tenant_a, django_assert_max_num_queries):
    location = tenant_a.location
    second = LocationFactory(brand=location.brand)
    MembershipFactory(user=tenant_a.owner, location=second)
    for loc in (location, second):
        for day in range(1, 20):
            AppointmentFactory(location=loc, created_at=at(2025, 3, day))
    client = Client()
    client.force_login(tenant_a.owner)
    client.get("/reports/", {"month": "2025-03"})
    with django_assert_max_num_queries(12):
        assert client.get("/reports/", {"month": "2025-03"}).status_code == 200


def test_reports_call_lookup_needs_two_keys(tenant_a):
    client = Client()
    client.force_login(tenant_a.owner)
    response = client.get("/reports/", {"caller": "+12125550100"})
    assert "at least two" in response.content.decode()
    response = client.get("/reports/", {"caller": "+12125550100", "called": "+12125550101"})
    assert response.status_code == 200 and "No call matches" in response.content.decode()
