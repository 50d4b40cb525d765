"""Reads of the audit trail: a Location's history as owners see it on /activity/."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pghistory.models import Events

from accounts.models import Location, User

# Event model → what an owner calls it (the filter's choices, the "what" column).
KINDS = {
    "audit.LocationEvent": "Settings",
    "audit.MembershipEvent": "Team",
    "audit.InvitationEvent": "Invitations",
    "audit.AvailabilityWindowEvent": "Availability",
    "audit.AvailabilityExceptionEvent": "Availability exceptions",
    "audit.LeadStatusEvent": "Lead status",
    "audit.AppointmentEvent": "Appointments",
    "audit.ConflictEvent": "Conflicts",
    "audit.SameDayRequestEvent": "Same-day requests",
}
ACTIONS = {"insert": "created", "update": "changed", "delete": "removed"}
CHANNELS = {"web": "portal", "api": "API", "admin": "admin", "task": "automatic", "": "system"}


def location_events(
    *, location: Location, kind: str = "", since: dt.date | None = None, until: dt.date | None = None, using="default"
):
    """Every audited change of rows that belong to the Location (and of the Location itself),
    newest first. pghistory's `references` reads each event table by its location column.
    `using`: the reports' database (pronexis.db.reporting_db) for the CSV export."""
    events = Events.objects.using(using).references(location).order_by("-pgh_created_at", "-pgh_id")
    if kind:
        events = events.filter(pgh_model=kind)
    zone = location.zone
    if since:
        events = events.filter(pgh_created_at__gte=dt.datetime.combine(since, dt.time(), zone))
    if until:
        events = events.filter(pgh_created_at__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), zone))
    return events


@dataclass
class Entry:
    """One event as a person reads it: when, who, through what, which record, before → after."""

    at: dt.datetime
    who: str
    channel: str
    kind: str
    action: str
    record: str
    changes: list[tuple[str, object, object]] = field(default_factory=list)


def describe(events, *, location: Location, using: str = "default") -> list[Entry]:
    """The events as entries, the people named in them looked up in one query (`using` the
    database the events were read from)."""
    events = list(events)
    user_ids = {e.pgh_context.get("user") for e in events if e.pgh_context} | {
        e.pgh_data.get("user_id") for e in events if e.pgh_model == "audit.MembershipEvent"
    }
    people = {u.pk: u for u in User.objects.using(using).filter(pk__in={i for i in user_ids if i})}
    return [_entry(event, people, location.zone) for event in events]


def _entry(event, people: dict, zone) -> Entry:
    context = event.pgh_context or {}
    who = people.get(context.get("user"))
    if context.get("token_name"):
        who_text = f"{who} (API token “{context['token_name']}”)"
    elif who is not None:
        who_text = f"{who} <{who.email}>"
    else:
        who_text = "ProNexis (system)"
    data = event.pgh_data or {}
    if event.pgh_label == "update":
        diff = sorted((event.pgh_diff or {}).items())
        changes = [(_field_name(name), before, after) for name, (before, after) in diff]
    else:
        hidden = ("id", "location_id", "brand_id")
        shown = {k: v for k, v in data.items() if k not in hidden and v not in (None, "", [])}
        changes = [
            (_field_name(k), None, v) if event.pgh_label == "insert" else (_field_name(k), v, None)
            for k, v in sorted(shown.items())
        ]
    return Entry(
        at=event.pgh_created_at.astimezone(zone),
        who=who_text,
        channel=CHANNELS.get(context.get("channel", ""), context.get("channel", "")),
        kind=KINDS.get(event.pgh_model, event.pgh_model),
        action=ACTIONS.get(event.pgh_label, event.pgh_label),
        record=_record(event, data, people),
        changes=changes,
    )


def _record(event, data: dict, people: dict) -> str:
    if event.pgh_model == "audit.MembershipEvent":
        member = people.get(data.get("user_id"))
        return f"{member.email if member else 'a former user'} as {data.get('role')}"
    if event.pgh_model == "audit.InvitationEvent":
        return f"invitation of {data.get('email')} as {data.get('role')}"
    if event.pgh_model == "audit.LocationEvent":
        return data.get("name", "")
    return f"#{event.pgh_obj_id}"


def _field_name(column: str) -> str:
    return column.removesuffix("_id").replace("_", " ")
