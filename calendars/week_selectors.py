"""Reads of the calendar week view (issue #17): the versions of its Locations' appointment days
(calendars.models.AppointmentDayVersion), the slot holds, and the rows of the days whose cards
are not cached."""

from __future__ import annotations

from datetime import date, datetime

from django.db import connection
from django.db.models import DateField, F, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import Location
from pronexis.db import instance_from_json

from .models import Appointment, AppointmentDayVersion, TsTzRange
from .selectors import APPOINTMENT_FIELDS, LEAD_FIELDS, on_locations

_LOCAL_DAY = "(calendars_appointment.start AT TIME ZONE accounts_location.time_zone)::date"


_HOLD_FIELDS = ("id", "location_id", "lead_id", "start", "end", "meeting_type", "status", "forced")
_HOLD_FIELDS += ("conflict_id", "same_day_request_id", "hold_expires_at")


def _json_object(table: str, columns) -> str:
    return "json_build_object(" + ", ".join(f"'{column}', {table}.\"{column}\"" for column in columns) + ")"


def week_versions_and_holds(
    *, locations: list[Location], start: datetime, end: datetime
) -> tuple[dict[tuple[int, date], int], list[Appointment]]:
    """({(Location id, UTC day): version} of the UTC days [start, end) spans; the unexpired slot
    holds touching it, in order, with their lead, their request (id and status) and their
    Location from `locations`) — one query: a row per UTC day that ever had an appointment, so a
    week of a thousand bookings costs the page no more than a week of ten, and a row per hold (a
    pending request's time: a few), read as JSON — the ORM query of the holds cost 3 ms to
    compile for none (issue #17)."""
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
            f"(SELECT location_id, day, version, NULL::json FROM {AppointmentDayVersion._meta.db_table}"
            " WHERE location_id = ANY(%(ids)s::bigint[])"
            " AND day BETWEEN (%(start)s AT TIME ZONE 'UTC')::date AND (%(end)s AT TIME ZONE 'UTC')::date)"
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
    versions, holds = {}, []
    for location_id, day, version, held in rows:
        if held is None:
            versions[(location_id, day)] = version
            continue
        appointment = instance_from_json(Appointment, held["appointment"])
        appointment.location = by_id[location_id]
        appointment.lead = instance_from_json(lead_model, held["lead"])
        for name, model in requests.items():
            setattr(appointment, name, instance_from_json(model, held[name]) if held[name]["id"] else None)
        holds.append(appointment)
    return versions, holds


def week_card_appointments(
    *, locations: list[Location], start: datetime, end: datetime, days: set[tuple[int, date]]
) -> list[Appointment]:
    """The appointments (not holds) of these (Location id, local day)s touching [start, end), in
    order, each with `local_day`, its lead's name and contact and its Location from `locations`
    — one query."""
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
        .select_related("lead")
        .only(*APPOINTMENT_FIELDS, *[f"lead__{name}" for name in LEAD_FIELDS])
        .order_by("start", "id")
    )
    for appointment in appointments:
        appointment.location = by_id[appointment.location_id]
    return appointments
