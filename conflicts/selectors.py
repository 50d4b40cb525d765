"""Reads of the conflicts capability: the Action Center, the calendar's pending items, the
dashboard's month at a glance and 90-day chart. Each is a fixed number of queries whatever the
number of rows or Locations ("All my locations" included).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Window,
)
from django.urls import reverse
from django.utils import timezone

from accounts.models import Location, Membership
from accounts.permissions import Action, roles_for
from leads.models import DailyRollup, Lead
from leads.rollups import COLUMNS as ROLLUP_COLUMNS
from leads.rollups import LEAD_COLUMNS

from .models import Callback, Conflict, SameDayRequest

MEETING_TYPES = dict(Location.MeetingType.choices)
ANSWER_ROLES = [role.value for role in roles_for(Action.ANSWER)]  # the members who answer
ACTION_CENTER_LIMIT = 500


@dataclass
class PendingItem:
    """A pending conflict or same-day request as the Action Center and the calendar show it."""

    kind: str  # conflict | same_day
    obj: Conflict | SameDayRequest

    @property
    def pk(self) -> int:
        return self.obj.pk

    @property
    def dom_id(self) -> str:
        return f"{self.kind}-{self.obj.pk}"

    @property
    def location(self) -> Location:
        return self.obj.location

    @property
    def lead(self):
        return self.obj.lead

    @property
    def start(self) -> dt.datetime:
        return self.obj.requested_start

    @property
    def end(self) -> dt.datetime:
        return self.obj.requested_end

    @property
    def local_start(self) -> dt.datetime:
        return self.start.astimezone(self.location.zone)

    @property
    def local_end(self) -> dt.datetime:
        return self.end.astimezone(self.location.zone)

    @property
    def meeting_type(self) -> str:
        return self.obj.requested_meeting_type

    @property
    def meeting_type_label(self) -> str:
        return MEETING_TYPES.get(self.meeting_type, self.meeting_type)

    @property
    def kind_label(self) -> str:
        return self.obj.get_kind_display() if self.kind == "conflict" else "Same-day request"

    @property
    def title(self) -> str:
        return f"{self.kind_label}: {self.lead.full_name}"

    @property
    def created_at(self) -> dt.datetime:
        return self.obj.created_at

    @property
    def is_pending(self) -> bool:
        return self.obj.is_pending

    @property
    def respond_url(self) -> str:
        name = "conflict_respond" if self.kind == "conflict" else "same_day_respond"
        return reverse(name, args=[self.obj.pk])

    @property
    def detail_url(self) -> str:
        return self.obj.get_absolute_url()

    @property
    def meeting_type_choices(self) -> list[tuple[str, str]]:
        """Only the meeting types the Location offers (an alternate of another type could not be booked)."""
        offered = self.location.meeting_types or Location.MeetingType.values  # none set: all
        return [(value, label) for value, label in Location.MeetingType.choices if value in offered]

    @property
    def allows_alternate(self) -> bool:
        return self.kind == "conflict"

    @property
    def can_answer(self) -> bool:
        """Whether the viewing user may answer (set by `pending_items(user=...)`; True when not annotated)."""
        return getattr(self.obj, "answerable", True)


def item_for(obj) -> PendingItem:
    return PendingItem("conflict" if isinstance(obj, Conflict) else "same_day", obj)


def pending_items(*, locations_qs, limit: int = ACTION_CENTER_LIMIT, user=None) -> list[PendingItem]:
    """Pending conflicts and same-day requests, oldest first — two queries. With `user`, each
    row is annotated `answerable` (the user is an owner or manager of its Location) in the same
    query, so viewers and brand users are not shown answer buttons they cannot use."""
    conflicts = (
        Conflict.objects.filter(location__in=locations_qs, status=Conflict.Status.PENDING)
        .select_related("lead", "location")
        .order_by("created_at", "id")
    )
    requests = (
        SameDayRequest.objects.filter(location__in=locations_qs, status=SameDayRequest.Status.PENDING)
        .select_related("lead", "location", "acknowledged_by")
        .order_by("created_at", "id")
    )
    if user is not None:
        answerable = Exists(
            Membership.objects.filter(user_id=user.pk, role__in=ANSWER_ROLES, location_id=OuterRef("location_id"))
        )
        conflicts, requests = conflicts.annotate(answerable=answerable), requests.annotate(answerable=answerable)
    # Each row carries its kind's whole count (a window count, before LIMIT): exact counters.
    waiting = Window(Count("id"))
    conflicts, requests = conflicts.annotate(waiting=waiting)[:limit], requests.annotate(waiting=waiting)[:limit]
    items = [PendingItem("conflict", c) for c in conflicts] + [PendingItem("same_day", r) for r in requests]
    items.sort(key=lambda item: (item.created_at, item.kind, item.pk))
    return items


def pending_counts_of(items: list[PendingItem]) -> dict[str, int]:
    """The Action Center's counters from the items already read (no query)."""
    conflicts = sum(1 for item in items if item.kind == "conflict")
    return {"conflicts": conflicts, "same_day": len(items) - conflicts, "total": len(items)}


def pending_counts(*, locations_qs) -> dict[str, int]:
    """The Action Center's counters — two queries (used after an answer, for the OOB update)."""
    conflicts = Conflict.objects.filter(location__in=locations_qs, status=Conflict.Status.PENDING).count()
    same_day = SameDayRequest.objects.filter(location__in=locations_qs, status=SameDayRequest.Status.PENDING).count()
    return {"conflicts": conflicts, "same_day": same_day, "total": conflicts + same_day}


def pending_for_calendar(*, locations_qs, start: dt.datetime, end: dt.datetime) -> list[PendingItem]:
    """The calendar tab's red items: pending conflicts and same-day requests whose requested time
    touches [start, end) — two queries. Each has .start, .end, .title, .kind, .respond_url."""
    conflicts = Conflict.objects.filter(
        location__in=locations_qs, status=Conflict.Status.PENDING, requested_start__lt=end, requested_end__gt=start
    ).select_related("lead", "location")
    requests = SameDayRequest.objects.filter(
        location__in=locations_qs,
        status=SameDayRequest.Status.PENDING,
        requested_start__lt=end,
        requested_end__gt=start,
    ).select_related("lead", "location")
    items = [PendingItem("conflict", c) for c in conflicts] + [PendingItem("same_day", r) for r in requests]
    items.sort(key=lambda item: (item.start, item.kind, item.pk))
    return items


def approved_same_day_covering(lead, start: dt.datetime, end: dt.datetime) -> SameDayRequest | None:
    """The lead's latest approved same-day request whose window covers [start, end) (seed 000)."""
    return (
        SameDayRequest.objects.filter(
            lead=lead, status=SameDayRequest.Status.APPROVED, requested_start__lte=start, requested_end__gte=end
        )
        .order_by("-responded_at")
        .first()
    )


def open_callbacks(*, user, location_id: int | None = None):
    """The agents' callback queue: open callbacks, oldest first (a queryset for pagination)."""
    qs = (
        Callback.objects.visible_to(user)
        .filter(status=Callback.Status.OPEN)
        .select_related("lead", "location", "conflict", "same_day_request")
        .order_by("created_at", "id")
    )
    if location_id:
        qs = qs.filter(location_id=location_id)
    return qs


# --- the dashboard's month at a glance and chart ---------------------------------------------
@dataclass
class MonthAtAGlance:
    leads_by_status: list[tuple[str, str, int]]
    leads_total: int
    converted: int
    appointments: int
    appointments_last_month: int
    conflicts_answered: int

    @property
    def conversion_rate(self) -> int | None:
        return round(100 * self.converted / self.leads_total) if self.leads_total else None

    @property
    def appointments_change(self) -> int:
        return self.appointments - self.appointments_last_month


def _rollup_days(*, locations_qs, since: dt.date, now: dt.datetime) -> list[dict]:
    """Sums of the daily rollups (`leads.DailyRollup`, kept by the services) per local day from
    `since`, each flagged in this / last local month of its own Location — ONE query whose size
    is days × Locations, whatever the number of leads (issue #17). Written in SQL: compiling it
    with the ORM cost more than running it."""
    scope_sql, scope_params = locations_qs.order_by().values("id").query.sql_with_params()
    columns = sorted(ROLLUP_COLUMNS)
    month_start = "date_trunc('month', timezone(loc.time_zone, %s))"
    sql = (
        f"SELECT r.day, r.day >= ({month_start})::date,"
        f" r.day >= ({month_start} - interval '1 month')::date AND r.day < ({month_start})::date,"
        f" {', '.join(f'SUM(r.{column})' for column in columns)}"
        f" FROM {DailyRollup._meta.db_table} r JOIN accounts_location loc ON loc.id = r.location_id"
        f" WHERE r.day >= %s AND r.location_id IN ({scope_sql}) GROUP BY 1, 2, 3"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, now, now, since, *scope_params])
        names = ["day", "this_month", "last_month", *columns]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _month_from(rows: list[dict]) -> MonthAtAGlance:
    def total(column: str, flag: str = "this_month") -> int:
        return sum(row[column] for row in rows if row[flag])

    by_status = {status: total(column) for status, column in LEAD_COLUMNS.items()}
    statuses = [(value, label, by_status.get(value, 0)) for value, label in Lead.Status.choices]
    return MonthAtAGlance(
        leads_by_status=statuses,
        leads_total=sum(by_status.values()),
        converted=by_status.get(Lead.Status.CONVERTED, 0),
        appointments=total("appointments"),
        appointments_last_month=total("appointments", "last_month"),
        conflicts_answered=total("conflicts_answered"),
    )


def _month_since(now: dt.datetime) -> dt.date:
    return (now - dt.timedelta(days=63)).date()  # before last month's first local day in any zone


def month_at_a_glance(*, locations_qs, now: dt.datetime | None = None) -> MonthAtAGlance:
    """This local month of each Location (its own zone): leads by status, appointments this and
    last month, conflicts answered — one query over the daily rollups."""
    now = now or timezone.now()
    return _month_from(_rollup_days(locations_qs=locations_qs, since=_month_since(now), now=now))


@dataclass
class DailyChart:
    days: list[dt.date]
    leads: list[int]
    appointments: list[int]
    width: int = 720
    height: int = 160

    @property
    def peak(self) -> int:
        return max([1, *self.leads, *self.appointments])

    def _points(self, values: list[int]) -> str:
        step = self.width / max(1, len(values) - 1)
        scale = (self.height - 20) / self.peak
        return " ".join(f"{i * step:.1f},{self.height - 10 - v * scale:.1f}" for i, v in enumerate(values))

    @property
    def lead_points(self) -> str:
        return self._points(self.leads)

    @property
    def appointment_points(self) -> str:
        return self._points(self.appointments)

    @property
    def total_leads(self) -> int:
        return sum(self.leads)

    @property
    def total_appointments(self) -> int:
        return sum(self.appointments)


def _chart_from(rows: list[dict], *, first: dt.date, days: int) -> DailyChart:
    leads, appointments = {}, {}
    for row in rows:
        day = row["day"]
        leads[day] = leads.get(day, 0) + sum(row[column] for column in LEAD_COLUMNS.values())
        appointments[day] = appointments.get(day, 0) + row["appointments"]
    span = [first + dt.timedelta(days=i) for i in range(days)]
    return DailyChart(
        days=span, leads=[leads.get(d, 0) for d in span], appointments=[appointments.get(d, 0) for d in span]
    )


def _chart_first(zone, days: int, now: dt.datetime) -> dt.date:
    return now.astimezone(zone).date() - dt.timedelta(days=days - 1)


def daily_chart(*, locations_qs, zone, days: int = 90, now: dt.datetime | None = None) -> DailyChart:
    """Leads and appointments per local day (each row in its own Location's zone) over the last
    `days` days ending today in `zone` — one query over the daily rollups."""
    now = now or timezone.now()
    first = _chart_first(zone, days, now)
    return _chart_from(_rollup_days(locations_qs=locations_qs, since=first, now=now), first=first, days=days)


def month_and_chart(*, locations_qs, zone, days: int = 90, now: dt.datetime | None = None):
    """The dashboard's month at a glance and its chart from the same ONE query."""
    now = now or timezone.now()
    first = _chart_first(zone, days, now)
    rows = _rollup_days(locations_qs=locations_qs, since=min(first, _month_since(now)), now=now)
    return _month_from(rows), _chart_from(rows, first=first, days=days)


def lead_requests(*, lead) -> dict:
    """The lead page's conflicts and same-day requests, newest first (two queries)."""
    return {
        "lead_conflicts": list(lead.conflicts.select_related("responded_by").order_by("-created_at", "-id")),
        "lead_same_day_requests": list(
            lead.same_day_requests.select_related("responded_by").order_by("-created_at", "-id")
        ),
    }
