"""The dashboard's calendar notices in one query (issue #17): the owner's calendars that could not
be read or written (calendars' Action Center entry) and the low-availability banner. The same
rules as `selectors.failing_calendar_sources` and `selectors.insufficient_calendars` (the
calendar tab's), read as one UNION ALL of JSON rows: their three ORM queries cost more to
compile than to run."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import Location
from accounts.permissions import Action, location_ids_where
from pronexis.db import instance_from_json

from . import slots as slot_search
from .models import AvailabilityException, AvailabilityWindow, BookingPush, CalendarSource


def _time(value: str | None) -> time | None:
    return time.fromisoformat(value) if value is not None else None


def _source(values: dict) -> CalendarSource:
    """A CalendarSource from the notices' JSON (the fields the Action Center entry shows), its
    Location and failed pushes attached."""
    source = instance_from_json(CalendarSource, values)
    source.location = instance_from_json(Location, values["location"])
    source.push_error = values["push_error"]
    waiting = values["push_waiting_since"]
    source.push_waiting_since = datetime.fromisoformat(waiting) if waiting else None
    return source


def calendar_notices(*, user, locations_qs, location: Location | None, now: datetime | None = None) -> dict:
    """The dashboard's two calendar notices in ONE query: `failing_calendar_sources` (the owner's
    calendars that could not be read or written, in the switcher's Locations) and
    `insufficient_calendars` (the per-appointment Locations the user edits availability of, or
    just `location`, with fewer bookable hours than the setting). The same rules as those two
    functions (the calendar tab uses them), read as one UNION ALL of JSON rows: their three ORM
    queries cost more to compile than to run (issue #17)."""
    now = now or timezone.now()
    scope_sql, scope_params = locations_qs.order_by().values("id").query.sql_with_params()
    managed = Location.objects.filter(id__in=location_ids_where(user, Action.EDIT_AVAILABILITY))
    if getattr(location, "pk", None):
        managed = managed.filter(pk=location.pk)
    managed_sql, managed_params = managed.order_by().values("id").query.sql_with_params()
    pushes, sources = BookingPush._meta.db_table, CalendarSource._meta.db_table
    failed_push = f"FROM {pushes} push WHERE push.source_id = s.id AND push.attempts > 0 AND push.due_at IS NOT NULL"
    push_error = f"(SELECT push.last_error {failed_push} ORDER BY push.attempts DESC, push.id LIMIT 1)"
    sql = (
        f"WITH scope AS NOT MATERIALIZED ({scope_sql}), managed AS NOT MATERIALIZED ({managed_sql})"
        " (SELECT 'source', json_build_object('id', s.id, 'location_id', s.location_id, 'kind', s.kind,"
        " 'name', s.name, 'url', s.url, 'last_error', s.last_error, 'last_success_at', s.last_success_at,"
        f" 'location', json_build_object('id', loc.id, 'name', loc.name, 'time_zone', loc.time_zone),"
        f" 'push_error', {push_error},"
        f" 'push_waiting_since', (SELECT push.created_at {failed_push} ORDER BY push.created_at LIMIT 1))"
        f" FROM {sources} s JOIN accounts_location loc ON loc.id = s.location_id"
        f" WHERE s.location_id IN (SELECT id FROM scope) AND (s.last_error <> '' OR {push_error} IS NOT NULL)"
        " ORDER BY loc.name, s.id LIMIT 20)"
        " UNION ALL (SELECT 'location', json_build_object('id', loc.id, 'name', loc.name,"
        " 'time_zone', loc.time_zone, 'meeting_types', loc.meeting_types, 'billing', loc.billing, 'plan', loc.plan,"
        " 'windows', (SELECT json_agg(json_build_array(w.weekday, w.start_time, w.end_time, w.meeting_types))"
        f" FROM {AvailabilityWindow._meta.db_table} w WHERE w.location_id = loc.id),"
        " 'exceptions', (SELECT json_agg(json_build_array(e.date, e.kind, e.start_time, e.end_time, e.meeting_types))"
        f" FROM {AvailabilityException._meta.db_table} e"
        " WHERE e.location_id = loc.id AND e.date >= %s AND e.date <= %s))"
        " FROM accounts_location loc WHERE loc.id IN (SELECT id FROM managed) AND loc.billing = %s AND loc.plan <> %s"
        " ORDER BY loc.name)"
    )
    # A day either side of the dates the 14 days can touch in any zone (as `insufficient_locations`).
    first, last = (now - timedelta(days=2)).date(), (now + timedelta(days=16)).date()
    params = [*scope_params, *managed_params, first, last, Location.Billing.PER_APPOINTMENT.value, "answering_only"]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    failing = [_source(values) for kind, values in rows if kind == "source"]
    insufficient = []
    for kind, values in rows:
        if kind != "location":
            continue
        found = instance_from_json(Location, values)
        windows = sorted(
            (
                slot_search.Window(weekday, _time(start), _time(end), tuple(types))
                for weekday, start, end, types in values["windows"] or []
            ),
            key=lambda w: (w.weekday, w.start),
        )
        exceptions = sorted(
            (
                slot_search.DateException(date.fromisoformat(on), kind, _time(start), _time(end), tuple(types))
                for on, kind, start, end, types in values["exceptions"] or []
            ),
            key=lambda e: (e.date, e.start is None, e.start or time.min),
        )
        hours = slot_search.available_hours(
            windows=windows,
            exceptions=exceptions,
            range_start=now,
            range_end=now + timedelta(days=14),
            zone=found.zone,
            meeting_types=found.meeting_types,
            default_meeting_types=found.meeting_types,
        )
        if hours < settings.CALENDAR_SUFFICIENT_HOURS:
            insufficient.append((found, hours))
    return {
        "failing_sources": failing,
        "multi": len({source.location_id for source in failing}) > 1,
        "insufficient_calendars": insufficient,
    }
