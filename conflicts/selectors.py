"""Reads of the conflicts capability: the Action Center, the calendar's pending items, the
dashboard's month at a glance and 90-day chart. Each is a fixed number of queries whatever the
number of rows or Locations ("All my locations" included).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, DateField, DateTimeField, Exists, F, Func, OuterRef, Q, Value
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from accounts.models import Location, Membership
from accounts.permissions import Action, roles_for
from calendars.models import Appointment
from leads.models import Lead

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
        return self.obj.requested_meeting_type if self.kind == "conflict" else self.obj.meeting_type

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
        return list(Location.MeetingType.choices)

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
    conflicts, requests = conflicts[:limit], requests[:limit]
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
def _local(field: str):
    """The row's timestamp as local wall time of its own Location (PostgreSQL `timezone()`)."""
    return Func(F("location__time_zone"), F(field), function="timezone", output_field=DateTimeField())


def _month(expression):
    return Func(Value("month"), expression, function="date_trunc", output_field=DateTimeField())


def _local_now(now: dt.datetime):
    return Func(F("location__time_zone"), Value(now), function="timezone", output_field=DateTimeField())


def _previous(expression):
    return Func(expression, template="(%(expressions)s - interval '1 month')", output_field=DateTimeField())


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


def month_at_a_glance(*, locations_qs, now: dt.datetime | None = None) -> MonthAtAGlance:
    """This local month of each Location (its own zone) — three queries: leads by status,
    appointments this and last month, conflicts answered."""

    now = now or timezone.now()
    recent = now - dt.timedelta(days=63)  # an index-friendly bound; the local month is exact
    this_month = Q(row_month=F("now_month"))
    leads = (
        Lead.objects.filter(location__in=locations_qs, created_at__gte=recent, test=False)
        .annotate(row_month=_month(_local("created_at")), now_month=_month(_local_now(now)))
        .filter(this_month)
        .values("status")
        .annotate(n=Count("id"))
    )
    by_status = {row["status"]: row["n"] for row in leads}
    appointments = (
        Appointment.objects.appointments()
        .filter(location__in=locations_qs, created_at__gte=recent)
        .annotate(row_month=_month(_local("created_at")), now_month=_month(_local_now(now)))
        .aggregate(
            this=Count("id", filter=this_month),
            last=Count("id", filter=Q(row_month=_previous(F("now_month")))),
        )
    )
    answered = (
        Conflict.objects.filter(location__in=locations_qs, responded_at__gte=recent)
        .annotate(row_month=_month(_local("responded_at")), now_month=_month(_local_now(now)))
        .filter(this_month)
        .count()
    )
    statuses = [(value, label, by_status.get(value, 0)) for value, label in Lead.Status.choices]
    return MonthAtAGlance(
        leads_by_status=statuses,
        leads_total=sum(by_status.values()),
        converted=by_status.get(Lead.Status.CONVERTED, 0),
        appointments=appointments["this"] or 0,
        appointments_last_month=appointments["last"] or 0,
        conflicts_answered=answered,
    )


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


def daily_chart(*, locations_qs, zone, days: int = 90, now: dt.datetime | None = None) -> DailyChart:
    """Leads and appointments per local day (each row in its own Location's zone) over the last
    `days` days ending today in `zone` — two queries."""

    now = now or timezone.now()
    today = now.astimezone(zone).date()
    first = today - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first, dt.time(), tzinfo=zone) - dt.timedelta(days=1)

    def per_day(model, **filters) -> dict[dt.date, int]:
        rows = (
            model.objects.filter(location__in=locations_qs, created_at__gte=since, **filters)
            .annotate(day=Cast(_local("created_at"), DateField()))
            .values("day")
            .annotate(n=Count("id"))
        )
        return {row["day"]: row["n"] for row in rows}

    leads = per_day(Lead, test=False)
    appointments = per_day(Appointment, status__in=["booked", "completed", "no_show", "cancelled"])  # not holds
    span = [first + dt.timedelta(days=i) for i in range(days)]
    return DailyChart(
        days=span, leads=[leads.get(d, 0) for d in span], appointments=[appointments.get(d, 0) for d in span]
    )


def lead_requests(*, lead) -> dict:
    """The lead page's conflicts and same-day requests, newest first (two queries)."""
    return {
        "lead_conflicts": list(lead.conflicts.select_related("responded_by").order_by("-created_at", "-id")),
        "lead_same_day_requests": list(
            lead.same_day_requests.select_related("responded_by").order_by("-created_at", "-id")
        ),
    }
