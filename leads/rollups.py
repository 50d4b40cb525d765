"""Per-Location daily rollups (issue #17): the dashboard's month at a glance and 90-day chart
read `DailyRollup` rows instead of counting leads, appointments and answers.

`rollup_add` is the one writer: an upsert (`INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`)
run by the services that write the counted rows, inside their transaction, so a rollup never
disagrees with a committed row. The day is the row's local date in its Location's own zone,
computed by PostgreSQL from `accounts_location.time_zone` (no extra query). Changing a Location's
zone, or writing rows around the services, needs `manage.py rebuild_rollups`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import connection

from .models import DailyRollup, Lead

LEAD_COLUMNS = {status: f"leads_{status}" for status in Lead.Status.values}
COLUMNS = frozenset([*LEAD_COLUMNS.values(), "appointments", "conflicts_answered"])
TABLE = DailyRollup._meta.db_table

Change = tuple[int | None, datetime, dict[str, int]]  # (location id, moment, {column: delta})


def rollup_add(changes: Iterable[Change]) -> None:
    """Adds the deltas to each (Location, local day) row, creating rows as needed — one statement."""
    rows = [(loc, at, deltas) for loc, at, deltas in changes if loc is not None and any(deltas.values())]
    if not rows:
        return
    columns = sorted({column for _, _, deltas in rows for column in deltas})
    unknown = set(columns) - COLUMNS
    if unknown:
        raise ValueError(f"Not a rollup column: {', '.join(sorted(unknown))}")
    row_sql = "(%s::bigint, %s::timestamptz" + ", %s::integer" * len(columns) + ")"
    params = [v for loc, at, deltas in rows for v in (loc, at, *(deltas.get(c, 0) for c in columns))]
    names = ", ".join(columns)
    sums = ", ".join(f"sum(v.{c})" for c in columns)
    updates = ", ".join(f"{c} = {TABLE}.{c} + EXCLUDED.{c}" for c in columns)
    with connection.cursor() as cursor:
        # Rows in (location, day) order: concurrent writers lock them in the same order.
        cursor.execute(
            f"INSERT INTO {TABLE} (location_id, day, {names})"
            f" SELECT v.location_id, timezone(l.time_zone, v.at)::date, {sums}"
            f" FROM (VALUES {', '.join([row_sql] * len(rows))}) AS v(location_id, at, {names})"
            " JOIN accounts_location l ON l.id = v.location_id GROUP BY 1, 2 ORDER BY 1, 2"
            f" ON CONFLICT (location_id, day) DO UPDATE SET {updates}",
            params,
        )


def lead_changes(leads: Iterable[Lead], delta: int = 1) -> list[Change]:
    """Non-test leads with a Location, counted on their creation day under their status."""
    return [
        (lead.location_id, lead.created_at, {LEAD_COLUMNS[lead.status]: delta})
        for lead in leads
        if not lead.test and lead.location_id is not None
    ]


def lead_status_moved(*, lead: Lead, from_status: str, to_status: str) -> None:
    """A status change (or a capture, `from_status` empty) moves the lead between columns."""
    if lead.test or lead.location_id is None:
        return
    deltas = {LEAD_COLUMNS[to_status]: 1}
    if from_status:
        deltas[LEAD_COLUMNS[from_status]] = deltas.get(LEAD_COLUMNS[from_status], 0) - 1
    rollup_add([(lead.location_id, lead.created_at, deltas)])
