"""Messaging reads: the inbox, a message's delivery history, the Action Center entries, SMS threads.

Every function takes an already-scoped queryset or the user and runs a fixed number of queries
whatever the row count (asserted in tests/messaging).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Window

from notifications.consent import consent_history_newest, may_text
from notifications.models import Notification
from notifications.selectors import failed_deliveries
from pronexis.web import decode_cursor, encode_cursor

from .models import MessageRead, OfficeMessage, SmsMessage

PAGE_SIZE = 25


# --- cursor pagination (keyset on created_at, id; newest first) ---------------------------
# (the cursor itself: pronexis.web.encode_cursor / decode_cursor)


@dataclass
class Page:
    items: list
    next_cursor: str | None


def with_read_state(queryset: QuerySet, user) -> QuerySet:
    return queryset.annotate(is_read=Exists(MessageRead.objects.filter(message=OuterRef("pk"), user=user)))


def message_inbox(
    *,
    messages: QuerySet,
    user,
    category: str = "",
    urgent: bool = False,
    unread: bool = False,
    search: str = "",
    cursor: str = "",
    limit: int = PAGE_SIZE,
    scope=None,
) -> Page:
    """The Messages inbox: one query (messages + their Location, lead and per-user read state).

    `scope(queryset, limit)`, when given, scopes the filtered page (`messages` is then unscoped):
    the view passes `accounts.scoping.newest_per_location`, so "All my locations" reads each
    Location's newest messages in index order (bench/README.md § 6)."""
    queryset = with_read_state(messages, user).select_related("location", "lead")
    if category:
        queryset = queryset.filter(category=category)
    if urgent:
        queryset = queryset.filter(urgent=True)
    if unread:
        queryset = queryset.filter(is_read=False)
    if search:
        queryset = queryset.filter(
            Q(caller_name__icontains=search) | Q(body__icontains=search) | Q(callback_number__icontains=search)
        )
    position = decode_cursor(cursor)
    if position:
        created_at, pk = position
        queryset = queryset.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=pk))
    if scope is not None:
        queryset = scope(queryset, limit + 1)
    rows = list(queryset.order_by("-created_at", "-id")[: limit + 1])
    next_cursor = encode_cursor(rows[limit - 1].created_at, rows[limit - 1].pk) if len(rows) > limit else None
    return Page(items=rows[:limit], next_cursor=next_cursor)


UNREAD_CAP = 1000  # the badge says "1000+": counting 50,000 unread rows would cost the page (issue #17)


def unread_count(*, messages: QuerySet, user) -> int:
    """Unread messages among `messages`, counted up to UNREAD_CAP (the count stops reading there)."""
    return messages.exclude(reads__user=user)[:UNREAD_CAP].count()


def action_center_items(*, user, locations_qs: QuerySet, limit: int = 20) -> dict:
    """Action Center entries of messaging (two queries): urgent messages nobody has called back
    yet (read or not: issue #11) and failed deliveries (failed or undelivered) of the last 30
    days, newest first."""
    location_ids = locations_qs.values("id")
    urgent = list(
        OfficeMessage.objects.filter(location_id__in=location_ids, urgent=True, handled_at=None)
        .select_related("location", "acknowledged_by")
        .annotate(waiting=Window(Count("id")))  # the counter's exact total, beyond `limit`
        .order_by("-created_at", "-id")[:limit]
    )
    failed = failed_deliveries(location_ids=location_ids, limit=limit, user=user)
    return {"urgent_messages": urgent, "failed_deliveries": failed}


def sms_thread(*, lead) -> QuerySet:
    return SmsMessage.objects.filter(lead=lead).select_related("notification").order_by("created_at", "id")


def lead_deliveries(*, lead, limit: int = 50) -> list[Notification]:
    """Every notification about the lead, its appointments, conflicts, same-day requests and
    office messages, newest first (one query). One UNION ALL arm per subject type, each an index
    scan on notification_subject (the OR form scanned the whole outbox, bench/README.md); the SQL
    is written out because compiling five ORM arms cost forty times running them."""
    subjects = [
        (lead._meta.model, None),
        (lead.appointments.model, "lead_id"),
        (lead.conflicts.model, "lead_id"),
        (lead.same_day_requests.model, "lead_id"),
        (OfficeMessage, "lead_id"),
    ]
    types = ContentType.objects.get_for_models(*(model for model, _ in subjects))
    table = Notification._meta.db_table
    arms, params = [], []
    for model, lead_column in subjects:
        ids = "%s" if lead_column is None else f"SELECT id FROM {model._meta.db_table} WHERE {lead_column} = %s"
        arms.append(f"(SELECT * FROM {table} WHERE subject_type_id = %s AND subject_id IN ({ids}))")
        params += [types[model].pk, lead.pk]
    sql = " UNION ALL ".join(arms) + " ORDER BY created_at DESC, id DESC LIMIT %s"
    return list(Notification.objects.raw(sql, [*params, limit]))


def lead_messaging(*, lead, limit: int = 50) -> dict:
    """The lead page's messaging section (five queries): office messages about the lead, its
    SMS thread, the deliveries of every notification about the lead or its appointments,
    conflicts, same-day requests and messages, and its number's consent state and history.
    The lists are read with SQL written out: compiling their ORM queries cost two to four
    times running them, most of the section's time (issue #17)."""
    newest = "WHERE lead_id = %s ORDER BY created_at DESC, id DESC LIMIT %s"
    messages = list(
        OfficeMessage.objects.raw(f"SELECT * FROM {OfficeMessage._meta.db_table} {newest}", [lead.pk, limit])
    )
    texts = list(SmsMessage.objects.raw(f"SELECT * FROM {SmsMessage._meta.db_table} {newest}", [lead.pk, limit]))[::-1]
    deliveries = lead_deliveries(lead=lead, limit=limit)
    consent = {"consent_events": [], "consent_opted_out": lead.sms_opted_out}
    if lead.phone:  # the consent ledger of the lead's number toward its brand (two queries)
        consent = {
            "consent_events": consent_history_newest(lead.phone, lead.brand_id, limit=limit),
            "consent_opted_out": lead.sms_opted_out or not may_text(lead.phone, lead.brand_id),
        }
    return {"office_messages": messages, "sms_messages": texts, "deliveries": deliveries, **consent}
