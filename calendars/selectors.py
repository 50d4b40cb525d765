"""Reads of the calendars capability: availability, slots, calendar events, monthly counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import Location
from accounts.permissions import Action, can, location_ids_where

from . import approvals
from . import slots as slot_search
from .models import (
    Appointment,
    AvailabilityException,
    AvailabilityWindow,
    BookingPush,
    BusyBlock,
    CalendarSource,
    TsTzRange,
)


def on_locations(ids) -> RawSQL:
    """Appointments of these Locations, the ids as a `bigint[]`: btree_gist compares bigint with
    bigint only, so `location_id IN (1)` (integers) left the GiST indexes' first column unused
    and PostgreSQL read every Location's appointments in the range."""
    where = '"calendars_appointment"."location_id" = ANY(%s::bigint[])'
    return RawSQL(where, (list(ids),), output_field=BooleanField())


# --- availability and slots --------------------------------------------------------------------
def _window(row: AvailabilityWindow) -> slot_search.Window:
    return slot_search.Window(row.weekday, row.start_time, row.end_time, tuple(row.meeting_types))


def _exception(row: AvailabilityException) -> slot_search.DateException:
    return slot_search.DateException(row.date, row.kind, row.start_time, row.end_time, tuple(row.meeting_types))


def availability_of(
    location_ids: list[int], *, first_date: date | None = None, last_date: date | None = None
) -> dict[int, tuple[list, list]]:
    """{location id: (windows, exceptions)} as slot-search values — one query (a UNION ALL of the
    weekly windows and the date exceptions, a day either side of the dates). Written in SQL: the
    slots API's budget is 5 ms and four queries, and building this union with the ORM cost more
    than running it (issue #17)."""
    dates, params = "", [list(location_ids), list(location_ids)]
    if first_date is not None:
        dates += " AND date >= %s"
        params.append(first_date - timedelta(days=1))
    if last_date is not None:
        dates += " AND date <= %s"
        params.append(last_date + timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT location_id, weekday, NULL::date, '', start_time, end_time, meeting_types"
            f" FROM {AvailabilityWindow._meta.db_table} WHERE location_id = ANY(%s)"
            " UNION ALL SELECT location_id, NULL, date, kind, start_time, end_time, meeting_types"
            f" FROM {AvailabilityException._meta.db_table} WHERE location_id = ANY(%s){dates}",
            params,
        )
        rows = cursor.fetchall()
    found = {location_id: ([], []) for location_id in location_ids}
    for location_id, weekday, on, kind, start, end, meeting_types in rows:
        if on is None:
            found[location_id][0].append(slot_search.Window(weekday, start, end, tuple(meeting_types)))
        else:
            found[location_id][1].append(slot_search.DateException(on, kind, start, end, tuple(meeting_types)))
    for found_windows, found_exceptions in found.values():
        # In the models' Meta.ordering, as two queries gave them before (NULL times sort last).
        found_windows.sort(key=lambda w: (w.weekday, w.start))
        found_exceptions.sort(key=lambda e: (e.date, e.start is None, e.start or time.min))
    return found


def availability_for(location: Location, *, first_date: date | None = None, last_date: date | None = None):
    """(windows, exceptions) of one Location as slot-search values — one query."""
    return availability_of([location.pk], first_date=first_date, last_date=last_date)[location.pk]


def within_availability(*, location: Location, start: datetime, end: datetime, meeting_type: str) -> bool:
    """[start, end) lies inside the Location's availability for this meeting type and touches no
    busy block of the owner's own calendars (booking it needs the owner's approval like any time
    outside availability: DESIGN.md "Calendar truth") — two queries."""
    if is_busy_between(location_id=location.pk, start=start, end=end):
        return False
    windows, exceptions = availability_for(location)
    return slot_search.is_within_availability(
        windows=windows,
        exceptions=exceptions,
        start=start,
        end=end,
        meeting_type=meeting_type,
        zone=location.zone,
        default_meeting_types=location.meeting_types,
    )


def is_booked_between(*, location_id: int, start: datetime, end: datetime, exclude_id: int | None = None) -> bool:
    """Another booked appointment (forced or not) of the Location overlaps [start, end)."""
    qs = Appointment.objects.filter(
        location_id=location_id, status=Appointment.Status.BOOKED, start__lt=end, end__gt=start
    )
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return qs.exists()


def is_free_to_book(*, location: Location, start: datetime, end: datetime, meeting_type: str) -> bool:
    """The agent can book this time directly: an offered meeting type, inside availability, not
    booked and not held for a pending request — then there is nothing for the owner to resolve
    (seed 004)."""
    from .holds import active_holds

    return (
        meeting_type in location.meeting_types
        and within_availability(location=location, start=start, end=end, meeting_type=meeting_type)
        and not is_booked_between(location_id=location.pk, start=start, end=end)
        and not active_holds(location_id=location.pk, start=start, end=end, now=timezone.now()).exists()
    )


def is_busy_between(*, location_id: int, start: datetime, end: datetime) -> bool:
    """A busy block of the owner's own calendars overlaps [start, end)."""
    return BusyBlock.objects.filter(location_id=location_id, start__lt=end, end__gt=start).exists()


def failing_calendar_sources(*, locations_qs) -> dict:
    """The Action Center's entry for the owner's own calendars that could not be read (with when
    each last worked) or could not receive bookings (they wait in the queue) — one query."""
    failed_push = BookingPush.objects.filter(source=OuterRef("pk"), attempts__gt=0, due_at__isnull=False)
    failing = list(
        CalendarSource.objects.filter(location__in=locations_qs)
        .annotate(
            push_error=Subquery(failed_push.order_by("-attempts", "id").values("last_error")[:1]),
            push_waiting_since=Subquery(failed_push.order_by("created_at").values("created_at")[:1]),
        )
        .filter(~Q(last_error="") | Q(push_error__isnull=False))
        .select_related("location")
        .order_by("location__name", "id")[:20]
    )
    return {"failing_sources": failing, "multi": len({source.location_id for source in failing}) > 1}


def calendar_sources_of(location: Location) -> list[CalendarSource]:
    """The owner's own calendars of one Location (the calendar tab's card) — one query."""
    return list(CalendarSource.objects.filter(location=location).order_by("id"))


def booked_intervals(
    location: Location, start: datetime, end: datetime, *, now: datetime | None = None
) -> list[tuple[datetime, datetime]]:
    """Booked appointments (forced included), unexpired holds of pending requests
    (`calendars.holds.held_intervals_filter`, the same rule) and the owner's busy blocks touching
    [start, end), widened by a day for buffers — one query, whatever the number of any of them.

    PostgreSQL merges the touching and overlapping ones (`range_agg`), as the slot search would:
    a busy calendar sends a few hundred intervals, not a row per booking. The appointments are
    read through the exclusion constraint's GiST index (location and range, booked and held
    rows), with the Location id typed bigint like its column (btree_gist compares no other).
    Written in SQL for the slots API's 5 ms (issue #17)."""
    low, high = start - timedelta(days=1), end + timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lower(busy), upper(busy) FROM unnest((SELECT range_agg(span) FROM ("
            " SELECT tstzrange(start, \"end\", '[)') AS span"
            f" FROM {Appointment._meta.db_table} WHERE location_id = %(location)s::bigint"
            " AND status IN ('booked', 'held') AND (status = 'booked' OR hold_expires_at > %(now)s)"
            " AND tstzrange(start, \"end\", '[)') && tstzrange(%(low)s, %(high)s, '[)')"
            f" UNION ALL SELECT tstzrange(start, \"end\", '[)') FROM {BusyBlock._meta.db_table}"
            ' WHERE location_id = %(location)s AND start < %(high)s AND "end" > %(low)s'
            ") AS touching)) AS busy ORDER BY 1",
            {"location": location.pk, "now": now or timezone.now(), "low": low, "high": high},
        )
        return cursor.fetchall()


def slots_for_location(
    *, location: Location, start: datetime, end: datetime, meeting_type: str | None = None, now: datetime | None = None
) -> list[slot_search.Slot]:
    """Free slots of a Location — two queries (availability, booked) whatever the bookings."""
    now = now or timezone.now()
    zone = location.zone
    windows, exceptions = availability_for(
        location, first_date=start.astimezone(zone).date(), last_date=end.astimezone(zone).date()
    )
    return slot_search.find_slots(
        windows=windows,
        exceptions=exceptions,
        booked=booked_intervals(location, start, end, now=now),
        range_start=start,
        range_end=end,
        meeting_types=[meeting_type] if meeting_type else location.meeting_types,
        zone=zone,
        slot_minutes=location.slot_minutes,
        buffer_minutes=location.buffer_minutes,
        minimum_notice_minutes=location.minimum_notice_minutes,
        now=now,
        default_meeting_types=location.meeting_types,
    )


def calendar_hours_next_14_days(location: Location, *, now: datetime | None = None) -> float:
    """Hours of availability (any meeting type, exceptions applied) in the next 14 days — one query.

    Calendar sufficiency counts what the owner offers, not what is still free: a fully booked
    calendar is a busy owner, not an insufficient one.
    """
    now = now or timezone.now()
    zone = location.zone
    windows, exceptions = availability_for(
        location, first_date=now.astimezone(zone).date(), last_date=(now + timedelta(days=14)).astimezone(zone).date()
    )
    return _hours(location, windows, exceptions, now)


def hours_next_14_days(location: Location, *, windows, exceptions, now: datetime | None = None) -> float:
    """The same from availability rows already loaded (model rows)."""
    return _hours(location, [_window(w) for w in windows], [_exception(e) for e in exceptions], now or timezone.now())


def _hours(location: Location, windows, exceptions, now: datetime) -> float:
    return slot_search.available_hours(
        windows=windows,
        exceptions=exceptions,
        range_start=now,
        range_end=now + timedelta(days=14),
        zone=location.zone,
        meeting_types=location.meeting_types,
        default_meeting_types=location.meeting_types,
    )


def calendar_is_insufficient(location: Location, *, now: datetime | None = None) -> bool:
    """A per-appointment Location taking bookings with fewer hours than the setting (default 20)."""
    if location.billing != Location.Billing.PER_APPOINTMENT or not location.takes_bookings:
        return False
    return calendar_hours_next_14_days(location, now=now) < settings.CALENDAR_SUFFICIENT_HOURS


def insufficient_locations(locations, *, now: datetime | None = None) -> list[tuple[Location, float]]:
    """[(location, hours)] of the insufficient Locations among `locations` (banner, admin filter):
    per-appointment, taking bookings, fewer hours than the setting — two queries in all."""
    now = now or timezone.now()
    locations = list(locations.filter(billing=Location.Billing.PER_APPOINTMENT).exclude(plan="answering_only"))
    availability = availability_of(
        [loc.pk for loc in locations],
        first_date=(now - timedelta(days=1)).date(),
        last_date=(now + timedelta(days=15)).date(),
    )
    found = []
    for location in locations:
        windows, exceptions = availability[location.pk]
        hours = slot_search.available_hours(
            windows=windows,
            exceptions=exceptions,
            range_start=now,
            range_end=now + timedelta(days=14),
            zone=location.zone,
            meeting_types=location.meeting_types,
            default_meeting_types=location.meeting_types,
        )
        if hours < settings.CALENDAR_SUFFICIENT_HOURS:
            found.append((location, hours))
    return found


def insufficient_calendars(*, user, location: Location | None = None) -> list[tuple[Location, float]]:
    """The sufficiency banner's rows (dashboard and calendar tab): [(location, hours)] of the
    per-appointment Locations the user may edit availability of (or just `location`) whose
    next 14 days offer fewer bookable hours than CALENDAR_SUFFICIENT_HOURS — two queries."""
    if not user.is_authenticated:
        return []
    managed = Location.objects.filter(id__in=location_ids_where(user, Action.EDIT_AVAILABILITY))
    if getattr(location, "pk", None):
        managed = managed.filter(pk=location.pk)
    return insufficient_locations(managed)


# --- appointments -----------------------------------------------------------------------------
def appointments_for_lead(lead) -> list[Appointment]:
    """A lead's appointments, newest start first — one query (the lead page's partial)."""
    appointments = list(
        Appointment.objects.appointments().filter(lead=lead).select_related("location").order_by("-start", "-id")
    )
    for appointment in appointments:
        appointment.lead = lead  # the page already has it: no query per row
    return appointments


def lead_appointments(*, lead, user) -> dict:
    """The lead page's "Appointments" section: the lead's appointments and whether this user
    may change them — one query."""
    can_edit = bool(lead.location_id and can(user, Action.CHANGE_APPOINTMENT, lead.location))
    return {"appointments": appointments_for_lead(lead), "can_edit": can_edit, "now": timezone.now()}


def unexpired_hold(item) -> Appointment | None:
    """The unexpired slot hold of a conflict or same-day request (its page says until when the
    time is kept), or None — one query."""
    # conflicts' rows (a layer up) told apart by model: calendars never imports conflicts
    key = {"conflict_id": item.pk} if item._meta.model_name == "conflict" else {"same_day_request_id": item.pk}
    return (
        Appointment.objects.filter(status=Appointment.Status.HELD, hold_expires_at__gt=timezone.now(), **key)
        .select_related("location")
        .first()
    )


def location_by_calendar_secret(secret: str) -> Location | None:
    """The Location whose iCalendar feed secret this is (the secret is the credential)."""
    if not secret:
        return None
    return Location.objects.filter(calendar_secret=secret, is_active=True).first()


FEED_PAST_DAYS = 30


def feed_appointments(location: Location, *, now: datetime | None = None) -> list[Appointment]:
    """Appointments of the feed, one query: booked ones, and the visits of the last 30 days that
    were held (completed) or missed (no-show) — a subscribed calendar deletes an event the feed
    stops listing, and the owner's record of last week's visits must stay. Cancelled ones go.
    Unexpired holds of pending requests are listed too (published as tentative)."""
    now = now or timezone.now()
    shown = [Appointment.Status.BOOKED, Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW]
    return list(
        Appointment.objects.filter(
            Q(status__in=shown) | Q(status=Appointment.Status.HELD, hold_expires_at__gt=now),
            location=location,
            end__gte=now - timedelta(days=FEED_PAST_DAYS),
        )
        .select_related("lead")
        .order_by("start", "id")
    )


# --- monthly appointment count (per-appointment billing) --------------------------------------
def local_month_bounds(location: Location, year: int, month: int) -> tuple[datetime, datetime]:
    """[first local midnight of the month, first local midnight of the next month) in UTC."""
    zone = location.zone
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
    return start, end


# --- the calendar tab ---------------------------------------------------------------------------
@dataclass
class CalendarEvent:
    start: datetime
    end: datetime
    title: str
    kind: str  # appointment | pending
    location: Location
    appointment: Appointment | None = None
    item: object | None = None  # a pending conflict / same-day request (conflicts' item)
    forced: bool = False
    status: str = ""


def calendar_appointments(*, locations: list[Location], start: datetime, end: datetime) -> list[Appointment]:
    """Appointments and unexpired slot holds touching [start, end) of the given Locations, with
    the lead's name and contact, a hold's request, and their Location from `locations` (no join:
    the page has them) — one query (the month view; the week reads its appointments as cached
    days, `calendars.week_selectors`)."""
    now = timezone.now()
    by_id = {location.pk: location for location in locations}
    lead_fields = [f"lead__{name}" for name in LEAD_FIELDS]
    appointments = list(
        Appointment.objects.alias(span=TsTzRange("start", "end"))
        .filter(on_locations(by_id), span__overlap=(start, end))
        .exclude(status=Appointment.Status.HELD, hold_expires_at__lte=now)
        .select_related("lead", "conflict", "same_day_request")
        .only(*APPOINTMENT_FIELDS, *lead_fields, *_all_fields("conflict"), *_all_fields("same_day_request"))
        .order_by("start", "id")
    )
    for appointment in appointments:
        appointment.location = by_id[appointment.location_id]
    return appointments


APPOINTMENT_FIELDS = [field.name for field in Appointment._meta.concrete_fields]
LEAD_FIELDS = ("id", "first_name", "last_name", "phone", "email")  # str(lead): name, else phone, else e-mail


def _all_fields(relation: str) -> list[str]:
    model = Appointment._meta.get_field(relation).related_model
    return [f"{relation}__{field.name}" for field in model._meta.concrete_fields]


def calendar_availability(*, locations: list[Location], start: datetime, end: datetime):
    """Per Location id, [(start, end, meeting types)] of availability in [start, end) — one query."""
    availability = availability_of(
        [loc.pk for loc in locations],
        first_date=(start - timedelta(days=1)).date(),
        last_date=(end + timedelta(days=1)).date(),
    )
    result = {}
    for location in locations:
        windows, exceptions = availability[location.pk]
        per_type = slot_search.availability_intervals(
            windows=windows,
            exceptions=exceptions,
            range_start=start,
            range_end=end,
            zone=location.zone,
            meeting_types=location.meeting_types,
            default_meeting_types=location.meeting_types,
        )
        grouped: dict[tuple[datetime, datetime], list[str]] = {}
        for meeting_type, values in per_type.items():
            for s, e in values:
                grouped.setdefault((max(s, start), min(e, end)), []).append(meeting_type)
        result[location.pk] = sorted((s, e, types) for (s, e), types in grouped.items())
    return result


def pending_for_calendar(*, locations_qs, start: datetime, end: datetime) -> list:
    """Pending conflicts and same-day requests (the conflicts capability), shown in red."""
    return approvals.pending_between(locations_qs=locations_qs, start=start, end=end)
