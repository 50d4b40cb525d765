"""Daily rollups (issue #17): kept by the services in their transactions, equal to a rebuild from
the live rows after every kind of write, read by the dashboard in one query."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.permissions import SYSTEM
from calendars.models import Appointment
from calendars.services import appointment_book, appointment_cancel
from conflicts.models import Conflict
from conflicts.same_day import same_day_respond
from conflicts.selectors import daily_chart, month_and_chart, month_at_a_glance
from conflicts.services import conflict_respond
from leads.capture import lead_capture
from leads.models import DailyRollup, Lead
from leads.rollups import rollup_add
from leads.services import lead_set_status
from portal.rollups import rollups_rebuild
from tests.factories import ConflictFactory, LeadFactory, SameDayRequestFactory, week_of_windows

pytestmark = pytest.mark.django_db


def _kept() -> dict:
    fields = [f.name for f in DailyRollup._meta.concrete_fields if f.name not in ("id", "location")]
    return {(row["location_id"], row["day"]): row for row in DailyRollup.objects.values("location_id", *fields)}


def _capture(location, n: int, **extra) -> Lead:
    data = {
        "brand": location.brand,
        "location": location,
        "first_name": f"Lead{n}",
        "phone": f"+1347555{n:04d}",
        "email": f"lead{n}@example.test",
        "source": "api",
        **extra,
    }
    return lead_capture(data=data, actor=SYSTEM)[0]


def _local(location, days: int, hour: int) -> dt.datetime:
    today = timezone.now().astimezone(location.zone).date()
    return dt.datetime.combine(today + dt.timedelta(days=days), dt.time(hour), tzinfo=location.zone)


def test_services_keep_the_rollups_equal_to_the_live_rows(clock, tenant_a, tenant_b, agent):
    location = tenant_a.location
    week_of_windows(location)
    first, second = _capture(location, 1), _capture(location, 2)
    _capture(location, 3, phone="+13475550001", email="lead1@example.test")  # duplicate → bad_lead
    _capture(location, 4, test=True)  # test leads are never counted
    _capture(tenant_b.location, 5)
    lead_set_status(lead=first, status="not_converted", reason="refused", actor=agent, actor_kind="agent")
    appointment = appointment_book(
        lead=second, start=_local(location, 3, 10), end=_local(location, 3, 11), meeting_type="office", booked_by=agent
    )
    appointment_cancel(appointment=appointment, actor=tenant_a.owner, reason="Client asked")
    conflict = ConflictFactory(location=location, lead=LeadFactory(location=location))
    conflict_respond(conflict=conflict, actor=tenant_a.owner, decision="decline", channel="action_center")
    same_day = SameDayRequestFactory(location=location, lead=LeadFactory(location=location))
    same_day_respond(request=same_day, actor=tenant_a.owner, decision="approve", channel="action_center")

    kept = _kept()
    row = kept[(location.pk, timezone.now().astimezone(location.zone).date())]
    # 3 captured + 2 factory leads (the conflict's, the same-day request's); the test lead is not counted.
    assert row["leads_not_converted"] == 1 and row["leads_bad_lead"] == 1
    assert row["leads_cancelled"] == 1  # the booked lead, then its cancelled appointment
    assert row["leads_converted"] == 1  # the same-day request's lead, booked on approval
    assert row["leads_in_process"] == 1  # the conflict's lead
    assert row["appointments"] == 2 and row["conflicts_answered"] == 1
    assert sum(r["leads_in_process"] for (loc, _), r in kept.items() if loc == tenant_b.location.pk) == 1

    rollups_rebuild()
    assert _kept() == kept

    live = Lead.objects.filter(location=location, test=False)
    month = month_at_a_glance(locations_qs=type(location).objects.filter(pk=location.pk))
    assert month.leads_total == live.count() == 5
    assert dict((s, n) for s, _, n in month.leads_by_status) == {
        status: live.filter(status=status).count() for status in Lead.Status.values
    }
    assert month.appointments == Appointment.objects.appointments().filter(location=location).count() == 2
    assert month.conflicts_answered == Conflict.objects.filter(location=location, responded_at__isnull=False).count()


def test_a_lead_counts_on_its_own_locations_local_day(clock, tenant_a):
    location = tenant_a.location  # New York
    late = dt.datetime(2030, 3, 5, 23, 30, tzinfo=location.zone)  # 04:30 UTC on the 6th
    LeadFactory(location=location, created_at=late)
    assert list(DailyRollup.objects.values_list("day", "leads_in_process")) == [(dt.date(2030, 3, 5), 1)]
    chart = daily_chart(locations_qs=type(location).objects.filter(pk=location.pk), zone=location.zone, days=3)
    assert chart.leads == [0, 1, 0]  # the 4th, the 5th, the 6th (today)
    rollups_rebuild(location_ids=[location.pk])
    assert list(DailyRollup.objects.values_list("day", "leads_in_process")) == [(dt.date(2030, 3, 5), 1)]


def test_month_and_chart_read_in_one_query_and_agree_with_the_separate_reads(clock, tenant_a):
    location = tenant_a.location
    locations = type(location).objects.filter(pk=location.pk)
    for days_ago in (0, 1, 20, 40, 80, 120):
        LeadFactory(location=location, created_at=timezone.now() - dt.timedelta(days=days_ago))
    with CaptureQueriesContext(connection) as captured:
        month, chart = month_and_chart(locations_qs=locations, zone=location.zone)
    assert len(captured) == 1
    assert month == month_at_a_glance(locations_qs=locations)
    assert chart.leads == daily_chart(locations_qs=locations, zone=location.zone).leads
    assert chart.total_leads == 5  # 120 days ago is outside the 90-day chart
    assert month.leads_total == 2  # the clock is 6 March 2030: this month holds today and yesterday


def test_rebuild_command_restores_drifted_rollups(clock, tenant_a, capsys):
    LeadFactory(location=tenant_a.location)
    kept = _kept()
    rollup_add([(tenant_a.location.pk, timezone.now(), {"leads_in_process": 5, "appointments": 2})])
    assert _kept() != kept
    call_command("rebuild_rollups")
    assert _kept() == kept and "1 daily rollup rows rebuilt" in capsys.readouterr().out


def test_rollup_add_refuses_an_unknown_column(tenant_a):
    with pytest.raises(ValueError, match="Not a rollup column"):
        rollup_add([(tenant_a.location.pk, timezone.now(), {"leads; DROP TABLE x": 1})])
