"""Reads of the leads capability: lists, status counts, timelines, call lookups, report rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet, Sum

from accounts.models import User
from accounts.normalize import format_phone, normalize_phone
from accounts.permissions import Action, can
from accounts.scoping import role_for, visible_brand_ids, visible_location_ids
from pronexis.db import instance_from_json

from .models import CallRecord, CallTask, Lead, LeadStatusChange, LeadStatusCount
from .services import allowed_transitions

LOOKUP_WINDOW = timedelta(minutes=15)


def status_counts(*, user, location_id: int | None = None) -> dict[str, int]:
    """Status tab counts from the per-Location counters (one query, flat as leads grow).

    `location_id` = the switcher's Location; None = every Location the user sees plus the
    brand-only leads of their brands (what `Lead.objects.visible_to` shows).
    """

    rows = LeadStatusCount.objects.all()
    if location_id:
        rows = rows.filter(location_id__in=visible_location_ids(user)).filter(location_id=location_id)
    else:
        rows = rows.filter(
            Q(location_id__in=visible_location_ids(user))
            | Q(location__isnull=True, brand_id__in=visible_brand_ids(user))
        )
    counts = {status: 0 for status in Lead.Status.values}
    for status, total in rows.values("status").annotate(total=Sum("count")).values_list("status", "total"):
        counts[status] = total or 0
    return counts


def lead_search(queryset: QuerySet, q: str) -> QuerySet:
    """Name, phone or e-mail contains each word (trigram GIN indexes on UPPER(col) serve it)."""
    for word in q.split()[:5]:
        digits = "".join(ch for ch in word if ch.isdigit())
        match = Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
        if len(digits) >= 3:
            match |= Q(phone__icontains=digits)
        queryset = queryset.filter(match)
    return queryset


def lead_calls(*, lead: Lead) -> QuerySet:
    """Calls of the lead: linked to it, or from its phone number to its Location (seed 003 article)."""
    match = Q(lead=lead)
    if lead.phone and lead.location_id:
        match |= Q(caller_number=lead.phone, location_id=lead.location_id)
    return CallRecord.objects.filter(match).select_related("agent").order_by("-started_at", "-id")


def _calls_of(lead: Lead) -> list[CallRecord]:
    """`lead_calls(lead=lead)` without the agent (neither timeline shows it), in SQL written out."""
    match, params = "lead_id = %s", [lead.pk]
    if lead.phone and lead.location_id:
        match, params = match + " OR (caller_number = %s AND location_id = %s)", [*params, lead.phone, lead.location_id]
    sql = f"SELECT * FROM {CallRecord._meta.db_table} WHERE {match} ORDER BY started_at DESC, id DESC"
    return list(CallRecord.objects.raw(sql, params))


def lead_page(*, user, lead: Lead) -> dict:
    """The lead page's own part (portal.lead_page adds the other capabilities' sections): its
    facts, timeline, calls and the status changes this user may make from it."""
    calls = _calls_of(lead)  # read once for both the timeline and the calls table
    return {
        "lead": lead,
        "phone_display": format_phone(lead.phone),
        "timeline": lead_timeline(lead=lead, calls=calls),
        "calls": calls[:50],
        "actions": owner_actions(user=user, lead=lead),
        "zone": lead.location.zone if lead.location else UTC,
    }


OWNER_ACTION_LABELS = {
    ("bad_lead", "fake_contact_info"): "Report fake contact information",
    ("bad_lead", "did_not_request"): "Report: did not request information",
    ("owner_action", "booked_directly"): "I booked this lead directly",
    ("test_lead", None): "Mark as a test lead",
    ("in_process", None): "Reopen (in process)",
}


def owner_actions(*, user, lead: Lead) -> list[dict]:
    """The table's moves this user may make from the lead page (owner, manager, staff)."""
    if lead.location is None or not can(user, Action.REPORT_LEAD, lead.location):
        return []
    actions = []
    for to_status, reason in allowed_transitions(from_status=lead.status, actor_kind=role_for(user, lead.location)):
        label = OWNER_ACTION_LABELS.get((to_status, reason))
        if label:
            actions.append({"status": to_status, "reason": reason or "", "label": label})
    return actions


def lead_call_near(*, lead: Lead, at: datetime, window: timedelta = LOOKUP_WINDOW) -> bool:
    """A call record of the lead (linked, or from its phone to its Location) started within
    `window` of `at`: `call_at` names a real call (DESIGN.md "Rules tightened")."""
    return lead_calls(lead=lead).filter(started_at__range=(at - window, at + window)).exists()


def lead_timeline(*, lead: Lead, calls=None) -> list[dict]:
    """Status changes and calls (`calls`: already read), newest first, as dicts {kind, at, obj}
    for the lead page and the console. Read with SQL written out (three queries): compiling the
    three ORM queries cost more than running them, on the lead page's budget (issue #17)."""
    actor = "(SELECT json_build_object('id', u.id, 'email', u.email, 'full_name', u.full_name) FROM accounts_user u"
    changes = list(
        LeadStatusChange.objects.raw(
            f"SELECT c.*, {actor} WHERE u.id = c.actor_id) AS actor_json"
            f" FROM {LeadStatusChange._meta.db_table} c WHERE c.lead_id = %s ORDER BY c.created_at, c.id",
            [lead.pk],
        )
    )
    for change in changes:
        change.actor = instance_from_json(User, change.actor_json) if change.actor_json else None
    calls = _calls_of(lead) if calls is None else calls
    tasks = CallTask.objects.raw(
        f"SELECT * FROM {CallTask._meta.db_table} WHERE lead_id = %s AND outcome <> '' ORDER BY due_at, id", [lead.pk]
    )
    items = [{"kind": "status", "at": c.created_at, "obj": c} for c in changes]
    items += [{"kind": "call", "at": c.started_at, "obj": c} for c in calls]
    items += [{"kind": "attempt", "at": t.completed_at, "obj": t} for t in tasks]
    return sorted(items, key=lambda item: item["at"], reverse=True)


def call_lookup(*, user, caller: str | None = None, called: str | None = None, at: datetime | None = None):
    """Recording lookup (seed 003 related article): at least two of caller number, number
    called and time of call (±15 minutes). Raises ValidationError with fewer than two."""
    given = [key for key, value in (("caller", caller), ("called", called), ("at", at)) if value]
    if len(given) < 2:
        raise ValidationError(
            "Give at least two of caller number, number called and time of call (±15 minutes) to find a call."
        )
    calls = CallRecord.objects.visible_to(user)
    errors = {}
    if caller:
        try:
            calls = calls.filter(caller_number=normalize_phone(caller))
        except ValidationError as exc:
            errors["caller"] = exc.messages
    if called:
        try:
            calls = calls.filter(called_number=normalize_phone(called))
        except ValidationError as exc:
            errors["called"] = exc.messages
    if errors:
        raise ValidationError(errors)
    if at:
        calls = calls.filter(started_at__range=(at - LOOKUP_WINDOW, at + LOOKUP_WINDOW))
    return calls.select_related("location", "lead").order_by("-started_at", "-id")


def leads_by_status_and_source(
    *, locations_qs=None, start: datetime | None = None, end: datetime | None = None, months=None, using="default"
) -> list[dict]:
    """Report rows {status, source, count} of leads created in [start, end) at these Locations.

    `months`: [(location_id, start, end)] instead — each Location in its own local month
    (DESIGN.md "Several locations": aggregates use each Location's own local calendar month).
    `using`: the reports' database (pronexis.db.reporting_db) for the reports page.
    """
    if months is not None:
        window = Q(pk__in=[])
        for location_id, month_start, month_end in months:
            window |= Q(location_id=location_id, created_at__gte=month_start, created_at__lt=month_end)
        leads = Lead.objects.using(using).filter(window)
    else:
        leads = Lead.objects.using(using).filter(location__in=locations_qs, created_at__gte=start, created_at__lt=end)
    rows = leads.values("status", "source").annotate(count=Count("id")).order_by("status", "source")
    return list(rows)


def call_queue(*, user) -> QuerySet:
    """The agents' call queue: open call tasks of in-process leads, due first."""
    return (
        CallTask.objects.visible_to(user)
        .filter(completed_at__isnull=True, lead__status=Lead.Status.IN_PROCESS)
        .select_related("lead", "location")
        .order_by("due_at", "id")
    )
