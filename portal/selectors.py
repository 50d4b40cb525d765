"""Reads for the portal shell: the live pulse behind nav badges, the tab title and the Action
Center refresh."""

from __future__ import annotations

import hashlib

from django.db import connection
from django.db.models import QuerySet

from conflicts.models import Conflict, SameDayRequest
from messaging.models import OfficeMessage
from notifications.selectors import failed_deliveries_queryset


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
