"""Reads for the portal shell: the live pulse behind nav badges, the tab title and the Action
Center refresh; the Action Center's items in one query."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from functools import cached_property

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Location, User
from conflicts.models import Conflict, SameDayRequest
from conflicts.selectors import ANSWER_ROLES
from leads.models import Lead
from messaging.models import OfficeMessage
from notifications.models import Notification
from notifications.selectors import DISMISS_ROLES, failed_deliveries_queryset
from pronexis.db import instance_from_json


def _pulse_querysets(*, user, locations_qs: QuerySet) -> dict[str, QuerySet]:
    location_ids = locations_qs.order_by().values("id")
    messages = OfficeMessage.objects.filter(location_id__in=location_ids).exclude(reads__user=user)
    return {
        "conflicts": Conflict.objects.filter(location_id__in=location_ids, status=Conflict.Status.PENDING),
        "same_day": SameDayRequest.objects.filter(location_id__in=location_ids, status=SameDayRequest.Status.PENDING),
        # Urgent messages stay until someone called back, read or not (portal.urgent).
        "urgent_messages": OfficeMessage.objects.filter(location_id__in=location_ids, urgent=True, handled_at=None),
        "unread_messages": messages,
        # Shown in the Action Center until dismissed; not counted in its total (nobody answers them).
        "failed_deliveries": failed_deliveries_queryset(location_ids=location_ids),
    }


def live_pulse(*, user, locations_qs: QuerySet) -> dict:
    """What the badges show, in ONE query: per kind, the count and the newest id. The version
    changes with any new item, answer or read (an answer lowers a count; a new item raises the
    newest id even when an answer in the same minute keeps the count), so clients poll with
    If-None-Match and get 304 while nothing changed."""
    parts, params = [], []
    for name, queryset in _pulse_querysets(user=user, locations_qs=locations_qs).items():
        sql, sql_params = queryset.order_by().values("id").query.sql_with_params()
        parts.append(f"SELECT %s, count(*), coalesce(max(id), 0) FROM ({sql}) AS {name}")
        params += [name, *sql_params]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = {name: (count, newest) for name, count, newest in cursor.fetchall()}
    counts = {name: count for name, (count, _) in rows.items()}
    counts["action_center"] = counts["conflicts"] + counts["same_day"] + counts["urgent_messages"]
    version = hashlib.sha256(repr(sorted(rows.items())).encode()).hexdigest()[:16]
    return {"counts": counts, "version": version}


# --- the Action Center in one query (issue #17) --------------------------------------------------
@dataclass
class ActionCenterRow:
    """One waiting item as read: its kind, what orders and counts it, and `json`, every value its
    line shows (ids, texts, ISO times, its Location, lead and who said "Got it") as PostgreSQL
    wrote it — the line's cache key as is, parsed (`row`) only for a line drawn.
    `allowed`: the viewer may answer it (conflicts, same-day) or dismiss it (failed deliveries);
    `waiting`: its kind's whole count (beyond the rows read)."""

    kind: str
    id: int
    start: dt.datetime | None  # the requested start (conflicts, same-day requests)
    created_at: dt.datetime
    waiting: int
    allowed: bool
    json: str

    @cached_property
    def row(self) -> dict:
        return json.loads(self.json)


# Related rows as scalar subqueries, not joins: the same rows, half the planning time (the four
# arms' joins were most of the query's cost).
_LOCATION = (
    "(SELECT json_build_object('id', loc.id, 'name', loc.name, 'time_zone', loc.time_zone,"
    " 'meeting_types', loc.meeting_types) FROM accounts_location loc WHERE loc.id = item.location_id)"
)
_LEAD = (
    "(SELECT json_build_object('id', lead.id, 'first_name', lead.first_name, 'last_name', lead.last_name,"
    " 'phone', lead.phone, 'email', lead.email) FROM leads_lead lead WHERE lead.id = item.lead_id)"
)
_ACKNOWLEDGED_BY = (
    "(SELECT json_build_object('id', who.id, 'email', who.email, 'full_name', who.full_name)"
    " FROM accounts_user who WHERE who.id = item.acknowledged_by_id)"
)
_MEMBER_WITH_ROLE = (
    "EXISTS(SELECT 1 FROM accounts_membership member WHERE member.user_id = %s AND member.role = ANY(%s)"
    " AND member.location_id = item.location_id)"
)
_FIELDS = {
    "same_day": (
        SameDayRequest,
        "id location_id lead_id requested_start requested_end requested_meeting_type status created_at"
        " acknowledged_at acknowledged_by_id acknowledged_channel escalated_at",
    ),
    "conflict": (
        Conflict,
        "id location_id lead_id kind requested_start requested_end requested_meeting_type requested_address"
        " caller_notes status created_at",
    ),
    "urgent_message": (
        OfficeMessage,
        "id location_id caller_name callback_number body urgent created_at acknowledged_at acknowledged_by_id"
        " acknowledged_channel escalated_at handled_at handled_by_id handled_note",
    ),
    "failed_delivery": (
        Notification,
        "id location_id kind channel recipient status last_error link created_at dismissed_at",
    ),
}


def _arm(
    kind: str, *, where: str, order: str, limit: int, start: str, allowed: str, extra: dict, counted_apart=False
) -> str:
    """One kind's rows. Its whole count is a window over the rows read, or — `counted_apart`, for
    the newest few of many (a busy Location's 2,400 open urgent messages) — a count of its own
    that PostgreSQL answers from the partial index alone, so the rows read stop at `limit`
    (its `where` parameters then come twice: the count's first)."""
    model, fields = _FIELDS[kind]
    table = model._meta.db_table
    values = [f"'{name}', item.{name}" for name in fields.split()]
    values += [f"'{name}', {sql}" for name, sql in extra.items()]
    scoped = f"FROM {table} item WHERE item.location_id IN (SELECT id FROM scope) AND {where}"
    count = f"(SELECT count(*) {scoped})" if counted_apart else "count(*) OVER ()"
    return (
        f"(SELECT '{kind}', item.id, {start}, item.created_at, {count}, {allowed},"
        f" json_build_object({', '.join(values)})::text {scoped} ORDER BY {order} LIMIT {int(limit)})"
    )


def action_center_rows(
    *, user, locations_qs: QuerySet, pending_limit: int = 500, limit: int = 20
) -> list[ActionCenterRow]:
    """Everything the Action Center shows, in ONE query of four arms (a UNION ALL): pending
    same-day requests and conflicts (the oldest `pending_limit`), urgent office messages nobody
    called back (read or not: issue #11) and failed deliveries of the last 30 days nobody
    dismissed (the newest `limit` of each). Written in SQL: the four ORM queries cost more to
    compile and to build models from than to run (issue #17); the page builds models only for
    the lines it renders (`action_center_objects`)."""
    scope_sql, scope_params = locations_qs.order_by().values("id").query.sql_with_params()
    arms = [
        _arm(
            "same_day",
            where="item.status = %s",
            order="item.created_at, item.id",
            limit=pending_limit,
            start="item.requested_start",
            allowed=_MEMBER_WITH_ROLE,
            extra={"location": _LOCATION, "lead": _LEAD, "acknowledged_by": _ACKNOWLEDGED_BY},
        ),
        _arm(
            "conflict",
            where="item.status = %s",
            order="item.created_at, item.id",
            limit=pending_limit,
            start="item.requested_start",
            allowed=_MEMBER_WITH_ROLE,
            extra={"location": _LOCATION, "lead": _LEAD},
        ),
        _arm(
            "urgent_message",
            where="item.urgent AND item.handled_at IS NULL",
            order="item.created_at DESC, item.id DESC",
            limit=limit,
            start="NULL::timestamptz",
            allowed="false",
            extra={"location": _LOCATION, "acknowledged_by": _ACKNOWLEDGED_BY},
            counted_apart=True,
        ),
        _arm(
            "failed_delivery",
            where="item.status = ANY(%s) AND item.created_at >= %s AND item.dismissed_at IS NULL",
            order="item.created_at DESC, item.id DESC",
            limit=limit,
            start="NULL::timestamptz",
            allowed=_MEMBER_WITH_ROLE,
            extra={"location": _LOCATION},
            counted_apart=True,
        ),
    ]
    params = [
        *scope_params,
        *(user.pk, ANSWER_ROLES, SameDayRequest.Status.PENDING.value),
        *(user.pk, ANSWER_ROLES, Conflict.Status.PENDING.value),
        *(failed := (list(Notification.FAILED_STATUSES), timezone.now() - dt.timedelta(days=30))),
        *(user.pk, DISMISS_ROLES, *failed),
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"WITH scope AS NOT MATERIALIZED ({scope_sql}) " + " UNION ALL ".join(arms), params)
        return [ActionCenterRow(*values) for values in cursor.fetchall()]


def action_center_object(row: ActionCenterRow):
    """The model instance of one row, with its Location, lead and "Got it" user attached (no
    query): what the line's template and the apps' answer boxes read."""
    model = _FIELDS[row.kind][0]
    obj = instance_from_json(model, row.row)
    obj.location = instance_from_json(Location, row.row["location"])
    for name, model in (("lead", Lead), ("acknowledged_by", User)):
        if name in row.row:
            setattr(obj, name, instance_from_json(model, row.row[name]) if row.row[name] else None)
    if row.kind in ("same_day", "conflict"):
        obj.answerable = row.allowed
    elif row.kind == "failed_delivery":
        obj.dismissable = row.allowed
    return obj
