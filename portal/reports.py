"""The reports page's parts: which month, leads by status and source, the call & recording
lookup, and the monthly count's rows for the CSV export (portal.views renders them). Their data
is read from the reports' database (pronexis.db.reporting_db: a replica when configured); which
Locations the user sees is read on the primary."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from accounts.models import Location
from accounts.scoping import current_location, current_locations
from calendars.selectors import local_month_bounds
from conflicts.models import Conflict, SameDayRequest
from leads.models import Lead
from leads.selectors import call_lookup, leads_by_status_and_source
from messaging.models import OfficeMessage
from pronexis.db import reporting_db
from pronexis.moments import portal_moment

from . import triage
from .charts import status_by_source

APPOINTMENT_CSV_HEADER = [
    "location",
    "month",
    "counted_as",
    "id",
    "lead",
    "booked_or_answered_at_local",
    "start_local",
    "meeting_type",
    "status",
    "forced",
]
_LOCAL = "%Y-%m-%d %H:%M"


def report_month(request, locations) -> tuple[int, int]:
    """The `month` asked for (YYYY-MM), else this month in the first Location's zone."""
    value = request.GET.get("month", "")
    try:
        year, month = (int(part) for part in value.split("-"))
        if 1 <= month <= 12 and 2000 <= year <= 2100:
            return year, month
    except ValueError:
        pass
    zone = locations[0].zone if locations else timezone.get_current_timezone()
    today = timezone.now().astimezone(zone)
    return today.year, today.month


def report_locations(request) -> list[Location]:
    return list(current_locations(request).order_by("name"))


def leads_report(locations, year: int, month: int) -> dict:
    if not locations:
        return {"leads_rows": []}
    # Each Location in its own local month (DESIGN.md "Several locations").
    months = [(loc.pk, *local_month_bounds(loc, year, month)) for loc in locations]
    rows = leads_by_status_and_source(months=months, using=reporting_db())
    matrix = status_by_source(rows, Lead.Status.choices, Lead.Source.choices)
    return {"leads_rows": rows, "leads_total": matrix.total, "leads_matrix": matrix}


def answered_within_target(locations, year: int, month: int) -> dict:
    """Issue #11 "answered within target", per Location: of the conflicts, same-day requests and
    urgent office messages that arrived in the month (each Location's own local month), how many
    were answered — an answer, or "Got it" for an urgent message — by their target (the Action
    Center's, portal.triage). Three queries; the targets are computed here (business hours)."""
    explained = {
        "reminder_hours": settings.CONFLICT_REMINDER_BUSINESS_HOURS,
        "urgent_minutes": settings.URGENT_ESCALATION_MINUTES,
    }
    if not locations:
        return {"target_rows": [], **explained}
    arrived = Q()
    for location in locations:
        start, end = local_month_bounds(location, year, month)
        arrived |= Q(location_id=location.pk, created_at__gte=start, created_at__lt=end)
    zones = {location.pk: location.zone for location in locations}
    db = reporting_db()
    kinds = {
        "conflicts": [
            (pk, answered, triage.conflict_target(created, zones[pk]))
            for pk, created, answered in Conflict.objects.using(db).filter(arrived).values_list(
                "location_id", "created_at", "responded_at"
            )
        ],
        "same_day": [
            (pk, answered, triage.same_day_target(start))
            for pk, start, answered in SameDayRequest.objects.using(db).filter(arrived).values_list(
                "location_id", "requested_start", "responded_at"
            )
        ],
        "urgent": [
            (pk, acknowledged, triage.urgent_target(created))
            for pk, created, acknowledged in OfficeMessage.objects.using(db).filter(arrived, urgent=True).values_list(
                "location_id", "created_at", "acknowledged_at"
            )
        ],
    }
    rows = []
    for location in locations:
        row = {"location": location}
        for kind, items in kinds.items():
            mine = [(answered, target) for pk, answered, target in items if pk == location.pk]
            row[kind] = _share(sum(1 for answered, target in mine if answered and answered <= target), len(mine))
        row["all"] = _share(sum(row[kind]["within"] for kind in kinds), sum(row[kind]["total"] for kind in kinds))
        rows.append(row)
    return {"target_rows": rows, **explained}


def _share(within: int, total: int) -> dict:
    return {"within": within, "total": total, "percent": round(100 * within / total) if total else None}


def call_lookup_context(request) -> dict:
    keys = {name: request.GET.get(name, "").strip() for name in ("caller", "called", "at")}
    if not any(keys.values()):
        return {"lookup": keys, "calls": None}
    try:
        at = None
        if keys["at"]:
            location = current_location(request)
            zone = location.zone if location else timezone.get_current_timezone()
            at = portal_moment(keys["at"], zone, "at")
        calls = call_lookup(user=request.user, caller=keys["caller"] or None, called=keys["called"] or None, at=at)
        calls = list(calls.using(reporting_db())[:100])
    except ValidationError as error:
        return {"lookup": keys, "calls": None, "lookup_error": " ".join(error.messages)}
    return {"lookup": keys, "calls": calls}


def appointment_count_rows(counts) -> Iterator[list]:
    """The monthly count's rows: every counted appointment and answered conflict, then a total
    per Location, times in the Location's zone."""
    for count in counts:
        zone = count.location.zone
        head = [count.location.name, count.label]
        for a in count.appointments:
            booked, start = a.created_at.astimezone(zone), a.start.astimezone(zone)
            yield [*head, "appointment", a.pk, str(a.lead), booked.strftime(_LOCAL), start.strftime(_LOCAL),
                   a.meeting_type, a.status, "yes" if a.forced else "no"]  # fmt: skip
        for c in count.conflicts:
            answered, start = c.responded_at.astimezone(zone), c.requested_start.astimezone(zone)
            yield [*head, "conflict_answered", c.pk, str(c.lead), answered.strftime(_LOCAL), start.strftime(_LOCAL),
                   c.requested_meeting_type, c.status, ""]  # fmt: skip
        yield [*head, "total", "", "", "", "", "", "", count.total]
