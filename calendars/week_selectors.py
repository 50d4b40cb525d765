"""Reads of the calendar week view (issue #17): its appointments as one digest per Location and
local day, the slot holds, and the rows of the days whose cards are not cached."""

from __future__ import annotations

from datetime import date, datetime

from django.db import connection
from django.db.models import CharField, DateField, F, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import Location
from pronexis.db import instance_from_json

from .models import Appointment, TsTzRange
from .selectors import APPOINTMENT_FIELDS, LEAD_FIELDS, on_locations

# The week's appointment cards, one digest per Location and local day (issue #17). The digest
# covers every row field a card shows (the lead's name and contact for its label); the Location,
# the viewer's rights and the template are the cache key's other parts (calendars.cards). A
# row's text form (ROW(...)::text) quotes its fields, so no two contents give the same text.
# Table names, not aliases: Django's joins use the table's name for its first join.
_CARD_ROW = (
    'ROW(calendars_appointment.id, calendars_appointment.start, calendars_appointment."end",'
    " calendars_appointment.status, calendars_appointment.forced, calendars_appointment.meeting_type,"
    " leads_lead.id, leads_lead.first_name, leads_lead.last_name, leads_lead.phone, leads_lead.email)::text"
)
_CARD_ORDER = "calendars_appointment.start, calendars_appointment.id"
_LOCAL_DAY = "(calendars_appointment.start AT TIME ZONE accounts_location.time_zone)::date"
_DAY_DIGEST = f"md5(string_agg({_CARD_ROW}, ',' ORDER BY {_CARD_ORDER}))"
# The same digest over the same day's rows as a window: computed in the statement that reads
# the rows, so a day is cached under the digest of exactly what it shows, even if a booking
# lands between the two statements.
_DAY_DIGEST_OF_ROWS = (
    f"md5(string_agg({_CARD_ROW}, ',') OVER (PARTITION BY calendars_appointment.location_id, {_LOCAL_DAY}"
    f" ORDER BY {_CARD_ORDER} ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING))"
)


_HOLD_FIELDS = ("id", "location_id", "lead_id", "start", "end", "meeting_type", "status", "forced")
_HOLD_FIELDS += ("conflict_id", "same_day_request_id", "hold_expires_at")


def _json_object(table: str, columns) -> str:
    return "json_build_object(" + ", ".join(f"'{column}', {table}.\"{column}\"" for column in columns) + ")"


def week_digests_and_holds(
    *, locations: list[Location], start: datetime, end: datetime
) -> tuple[dict[tuple[int, date], str], list[Appointment]]:
    """({(Location id, local day): digest} of the appointments (not holds) touching [start, end),
    grouped by the day they start on in their Location's zone; the unexpired slot holds touching
    it, in order, with their lead, their request (id and status) and their Location from
    `locations`) — one query: a row per day, so a week of a thousand bookings costs the page no
    more Python than a week of ten, and a row per hold (a pending request's time: a few), read as
    JSON — the ORM query of the holds cost 3 ms to compile for none (issue #17)."""
    by_id = {location.pk: location for location in locations}
    lead_model = Appointment._meta.get_field("lead").related_model
    requests = {  # conflicts' models, a layer up: by relation, not imported
        name: Appointment._meta.get_field(name).related_model for name in ("conflict", "same_day_request")
    }
    touching = (
        " WHERE calendars_appointment.location_id = ANY(%(ids)s::bigint[])"
        " AND tstzrange(calendars_appointment.start, calendars_appointment.\"end\", '[)')"
        " && tstzrange(%(start)s, %(end)s, '[)')"
    )
    hold = (
        f"json_build_object('appointment', {_json_object('calendars_appointment', _HOLD_FIELDS)},"
        f" 'lead', {_json_object('leads_lead', LEAD_FIELDS)},"
        + ", ".join(f" '{name}', {_json_object(name, ('id', 'status'))}" for name in requests)
        + ")"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"(SELECT calendars_appointment.location_id, {_LOCAL_DAY}, {_DAY_DIGEST}, NULL::json"
            " FROM calendars_appointment"
            " JOIN leads_lead ON leads_lead.id = calendars_appointment.lead_id"
            " JOIN accounts_location ON accounts_location.id = calendars_appointment.location_id"
            f"{touching} AND accounts_location.id = ANY(%(ids)s::bigint[])"
            " AND calendars_appointment.status <> %(held)s"
            " GROUP BY 1, 2)"
            f" UNION ALL (SELECT calendars_appointment.location_id, NULL, NULL, {hold}"
            " FROM calendars_appointment"
            " JOIN leads_lead ON leads_lead.id = calendars_appointment.lead_id"
            + "".join(
                f" LEFT JOIN {model._meta.db_table} AS {name} ON {name}.id = calendars_appointment.{name}_id"
                for name, model in requests.items()
            )
            + f"{touching} AND calendars_appointment.status = %(held)s"
            " AND calendars_appointment.hold_expires_at > %(now)s"
            " ORDER BY calendars_appointment.start, calendars_appointment.id)",
            {
                "ids": list(by_id),
                "start": start,
                "end": end,
                "held": Appointment.Status.HELD,
                "now": timezone.now(),
            },
        )
        rows = cursor.fetchall()
    digests, holds = {}, []
    for location_id, day, digest, held in rows:
        if held is None:
            digests[(location_id, day)] = digest
            continue
        appointment = instance_from_json(Appointment, held["appointment"])
        appointment.location = by_id[location_id]
        appointment.lead = instance_from_json(lead_model, held["lead"])
        for name, model in requests.items():
            setattr(appointment, name, instance_from_json(model, held[name]) if held[name]["id"] else None)
        holds.append(appointment)
    return digests, holds


def week_card_appointments(
    *, locations: list[Location], start: datetime, end: datetime, days: set[tuple[int, date]]
) -> list[Appointment]:
    """The appointments (not holds) of these (Location id, local day)s touching [start, end), in
    order, each with `local_day` and `day_digest` (its day's `week_digests_and_holds` digest, from the
    same statement), its lead's name and contact and its Location from `locations` — one query."""
    by_id = {location.pk: location for location in locations}
    chosen = Q()
    for location_id in {location_id for location_id, _ in days}:
        chosen |= Q(location_id=location_id, local_day__in=[day for pk, day in days if pk == location_id])
    appointments = list(
        Appointment.objects.alias(span=TsTzRange("start", "end"))
        .annotate(location_zone=F("location__time_zone"))  # the join _LOCAL_DAY reads
        .annotate(local_day=RawSQL(_LOCAL_DAY, (), output_field=DateField()))
        .filter(chosen, on_locations(by_id), span__overlap=(start, end))
        .exclude(status=Appointment.Status.HELD)
        .annotate(day_digest=RawSQL(_DAY_DIGEST_OF_ROWS, (), output_field=CharField()))
        .select_related("lead")
        .only(*APPOINTMENT_FIELDS, *[f"lead__{name}" for name in LEAD_FIELDS])
        .order_by("start", "id")
    )
    for appointment in appointments:
        appointment.location = by_id[appointment.location_id]
    return appointments
