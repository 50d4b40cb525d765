"""The operations overview at the top of staff admin (issue #17): what needs a person now,
across every Location, each figure with the admin list it counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Location
from accounts.permissions import require_staff
from calendars.models import CalendarSource
from calendars.selectors import insufficient_locations
from conflicts.admin import AGE_BUCKETS
from conflicts.models import Conflict, SameDayRequest
from notifications.models import Notification, RefusedWebhook

FAILED_RECENT = 5  # failing deliveries listed with a resend button; the rest are behind the link
OUTBOX_STATUSES = ("queued", "sending", "unknown")


@dataclass
class Figure:
    label: str
    count: int
    url: str
    note: str = ""


@dataclass
class AgeRow:
    """Pending conflicts or same-day requests by age, and the oldest one's age."""

    label: str
    buckets: list[Figure]
    total: Figure
    oldest: str


@dataclass
class Overview:
    insufficient_calendars: Figure
    waiting: list[AgeRow]
    failed_deliveries: Figure
    recent_failures: list[Notification] = field(default_factory=list)
    failing_sources: Figure | None = None
    refused_webhooks: Figure | None = None
    outbox: Figure | None = None


def _link(name: str, **params) -> str:
    return reverse(f"admin:{name}_changelist") + ("?" + urlencode(params) if params else "")


def age_text(since: datetime | None, now: datetime) -> str:
    """“3 h 05 min” — how long an item has waited (no seconds: nobody acts on those)."""
    if since is None:
        return "—"
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes >= 48 * 60:
        return f"{minutes // 1440} days {minutes % 1440 // 60} h"
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def _waiting(model, label: str, admin_name: str, now: datetime) -> AgeRow:
    """One query: the pending rows counted per age bucket, and the oldest."""
    buckets = {}
    for key, _, older_than, younger_than in AGE_BUCKETS:
        condition = Q()
        if older_than is not None:
            condition &= Q(created_at__lte=now - older_than)
        if younger_than is not None:
            condition &= Q(created_at__gt=now - younger_than)
        buckets[key] = Count("id", filter=condition)
    found = model.objects.filter(status="pending").aggregate(total=Count("id"), oldest=Min("created_at"), **buckets)
    return AgeRow(
        label=label,
        buckets=[
            Figure(text, found[key], _link(admin_name, status__exact="pending", age=key))
            for key, text, _, _ in AGE_BUCKETS
        ],
        total=Figure("all pending", found["total"], _link(admin_name, status__exact="pending")),
        oldest=age_text(found["oldest"], now),
    )


def operations_overview(*, actor, now: datetime | None = None) -> Overview:
    """Ten queries whatever the number of Locations and rows: insufficient calendars (3, the
    banner's own selector), pending conflicts and same-day requests (1 each), failed deliveries
    of the last 24 h (count and the latest few: 2), failing calendar sources, webhooks refused
    in the last hour, and the outbox depth with its oldest row (1 each)."""
    require_staff(actor)
    now = now or timezone.now()
    insufficient = insufficient_locations(Location.objects.filter(is_active=True), now=now)
    since = now - timedelta(hours=24)
    failed = Notification.objects.filter(status__in=Notification.FAILED_STATUSES, created_at__gte=since)
    statuses = ",".join(Notification.FAILED_STATUSES)
    outbox = Notification.objects.filter(status__in=OUTBOX_STATUSES).aggregate(n=Count("id"), oldest=Min("created_at"))
    refused = RefusedWebhook.objects.filter(received_at__gte=now - timedelta(hours=1)).count()
    return Overview(
        insufficient_calendars=Figure(
            "Locations with an insufficient calendar (next 14 days)",
            len(insufficient),
            _link("accounts_location", calendar="insufficient"),
        ),
        waiting=[
            _waiting(Conflict, "Conflicts waiting for the owner", "conflicts_conflict", now),
            _waiting(SameDayRequest, "Same-day requests waiting for the owner", "conflicts_samedayrequest", now),
        ],
        failed_deliveries=Figure(
            "Deliveries failed in the last 24 h",
            failed.count(),
            _link("notifications_notification", status__in=statuses, created_at__gte=since.isoformat()),
        ),
        recent_failures=list(failed.select_related("location").order_by("-created_at", "-id")[:FAILED_RECENT]),
        failing_sources=Figure(
            "Calendar sources failing",
            CalendarSource.objects.exclude(last_error="").count(),
            _link("calendars_calendarsource", refresh="failing"),
        ),
        refused_webhooks=Figure(
            "Inbound webhooks refused in the last hour",
            refused,
            _link("notifications_refusedwebhook", received_at__gte=(now - timedelta(hours=1)).isoformat()),
            "several usually mean a provider's secret no longer matches" if refused else "",
        ),
        outbox=Figure(
            "Outbox: waiting to send",
            outbox["n"],
            _link("notifications_notification", status__in=",".join(OUTBOX_STATUSES)),
            f"oldest waiting {age_text(outbox['oldest'], now)}" if outbox["n"] else "",
        ),
    )
