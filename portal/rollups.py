"""Rebuilds the per-Location daily rollups (`leads.DailyRollup`, issue #17) from the live rows:
leads, appointments and answered conflicts — the three apps the dashboard counts, which is why
it lives here, above them. The services keep the rollups up to date; this is for after a
Location's time zone changes, a bulk load (bench/seed_scale.py) or a suspected drift.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Count, DateField, F, Func, Q
from django.db.models.functions import Cast

from calendars.models import Appointment
from conflicts.models import Conflict
from leads.models import DailyRollup, Lead
from leads.rollups import LEAD_COLUMNS, TABLE


def _local_day(field: str):
    """The row's local date in its own Location's zone (as `leads.rollups.rollup_add` computes it)."""
    local = Func(F("location__time_zone"), F(field), function="timezone")
    return Cast(local, DateField())


def _sources(location_ids):
    scope = {"location_id__in": location_ids} if location_ids is not None else {"location__isnull": False}
    leads = (
        Lead.objects.filter(test=False, **scope)
        .annotate(day=_local_day("created_at"))
        .values("location_id", "day")
        .annotate(**{column: Count("id", filter=Q(status=status)) for status, column in LEAD_COLUMNS.items()})
    )
    appointments = (
        Appointment.objects.appointments()  # not holds
        .filter(**scope)
        .annotate(day=_local_day("created_at"))
        .values("location_id", "day")
        .annotate(appointments=Count("id"))
    )
    answered = (
        Conflict.objects.filter(responded_at__isnull=False, **scope)
        .annotate(day=_local_day("responded_at"))
        .values("location_id", "day")
        .annotate(conflicts_answered=Count("id"))
    )
    return [(leads, list(LEAD_COLUMNS.values())), (appointments, ["appointments"]), (answered, ["conflicts_answered"])]


def rollups_rebuild(*, location_ids: list[int] | None = None) -> int:
    """Replaces the rollups of these Locations (all when None) by counts of the live rows, in one
    transaction; returns the number of rollup rows."""
    with transaction.atomic(), connection.cursor() as cursor:
        rows = DailyRollup.objects.all()
        if location_ids is not None:
            rows = rows.filter(location_id__in=location_ids)
        rows._raw_delete(rows.db)  # no signals, no cascade: nothing points at a rollup
        for queryset, columns in _sources(location_ids):
            sql, params = queryset.order_by().query.sql_with_params()
            names = ", ".join(columns)
            updates = ", ".join(f"{c} = {TABLE}.{c} + EXCLUDED.{c}" for c in columns)
            cursor.execute(
                f"INSERT INTO {TABLE} (location_id, day, {names}) SELECT * FROM ({sql}) AS counted"
                f" ON CONFLICT (location_id, day) DO UPDATE SET {updates}",
                params,
            )
        counted = DailyRollup.objects.all()
        if location_ids is not None:
            counted = counted.filter(location_id__in=location_ids)
        return counted.count()
