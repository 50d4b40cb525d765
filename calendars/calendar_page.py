"""The calendar tab's page: its week or month of days, each with availability, appointments,
holds and pending requests; the availability editor's and the calendar sources' context — a
fixed number of queries."""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from accounts.models import Location
from accounts.permissions import Action, can, location_ids_where
from accounts.scoping import current_locations
from pronexis.fragments import render_rows
from pronexis.moments import portal_day

from . import cards, holds, selectors, week_selectors
from .forms import CalendarSourceForm, ExceptionForm, SlotSettingsForm, WindowForm
from .models import Appointment


# --- the calendar tab ------------------------------------------------------------------------
@dataclass
class Event:
    start: datetime  # local
    end: datetime  # local
    title: str
    kind: str  # appointment | held (a slot hold, tentative) | pending
    location: Location
    appointment: Appointment | None = None
    item: object | None = None
    can_edit: bool = False


@dataclass
class CardRun:
    """Appointment cards and pending requests next to each other in a day of the week view:
    their list items (calendars.cards, pronexis.fragments) are `runs[index]`, put into the page
    after the template (`render_calendar`); the template writes `card`, a mark in their place."""

    index: int
    kind: str = "cards"

    @property
    def card(self) -> str:
        return mark_safe(f"{_RUN_MARK}{self.index}>")  # noqa: S308 (a number)


# A mark data cannot write: the template escapes every "<" of what it shows.
_RUN_MARK = "<pronexis-card-run "


@dataclass
class Day:
    day: date
    is_today: bool = False
    in_month: bool = True
    availability: list = field(default_factory=list)  # [(location, local start, local end, types)]
    events: list = field(default_factory=list)  # month: all; week: holds and pending requests
    entries: list = field(default_factory=list)  # week: `events` and CardRuns, in time order


def calendar_context(request: HttpRequest, *, banner: bool = True, **extra) -> dict:
    """Everything the calendar tab shows — a fixed number of queries whatever the number of
    appointments: locations, editable locations, availability windows + exceptions, appointments,
    pending approval requests (conflicts), for one editable Location its editor, and (`banner`:
    the whole page, not the HTMX body) the sufficiency banner's rows."""
    visible = list(current_locations(request).order_by("name"))
    locations = [loc for loc in visible if loc.takes_bookings]  # answering-only plans book nothing
    view = "month" if request.GET.get("view") == "month" else "week"
    if not locations:
        return {"locations": [], "answering_only": visible, "view": view, **_banner(request, None, banner), **extra}
    zone = locations[0].zone
    today = timezone.now().astimezone(zone).date()
    anchor = portal_day(request.GET.get("date")) or today  # unreadable or out of range: today
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday())
        last = first + timedelta(days=6)
        prev_day, next_day = first - timedelta(days=7), first + timedelta(days=7)
        title = f"Week of {first:%b} {first.day}, {first.year}"
    else:
        month_first = anchor.replace(day=1)
        month_last = month_first.replace(day=pycalendar.monthrange(anchor.year, anchor.month)[1])
        first = month_first - timedelta(days=month_first.weekday())
        last = month_last + timedelta(days=6 - month_last.weekday())
        prev_day = (month_first - timedelta(days=1)).replace(day=1)
        next_day = month_last + timedelta(days=1)
        title = f"{month_first:%B %Y}"
    range_start = min(datetime.combine(first, time(0), tzinfo=loc.zone) for loc in locations)
    range_end = max(datetime.combine(last + timedelta(days=1), time(0), tzinfo=loc.zone) for loc in locations)

    location_ids = [loc.pk for loc in locations]
    editable = set(location_ids_where(request.user, Action.EDIT_AVAILABILITY).values_list("location_id", flat=True))
    if request.user.is_staff:
        editable = set(location_ids)
    days = {first + timedelta(days=i): Day(first + timedelta(days=i)) for i in range((last - first).days + 1)}
    for day in days.values():
        day.is_today = day.day == today
        day.in_month = view == "week" or day.day.month == anchor.month
    by_id = {loc.pk: loc for loc in locations}
    availability = selectors.calendar_availability(locations=locations, start=range_start, end=range_end)
    for location_id, intervals in availability.items():
        loc_zone = by_id[location_id].zone
        for start, end, types in intervals:
            local_start = start.astimezone(loc_zone)
            if local_start.date() in days:
                days[local_start.date()].availability.append(
                    (by_id[location_id], local_start, end.astimezone(loc_zone), types)
                )
    if view == "week":  # the appointments as versions of their days (their cards cached), the holds
        versions, appointments = week_selectors.week_versions_and_holds(
            locations=locations, start=range_start, end=range_end
        )
    else:
        appointments = selectors.calendar_appointments(locations=locations, start=range_start, end=range_end)
    held_pending = set()  # (kind, id) of pending requests whose time is held: their red item says so
    for appointment in appointments:
        loc_zone = appointment.location.zone
        local_start = appointment.start.astimezone(loc_zone)
        kind, label = "appointment", str(appointment.lead)  # not `title`: that is the page's heading
        if appointment.is_held:
            held_for = holds.hold_request(appointment)
            if held_for.status == "pending":
                held_pending.add(("conflict" if appointment.conflict_id else "same_day", held_for.pk))
                continue
            kind, label = "held", f"{appointment.lead} — held for {holds.hold_label(appointment)}"
        if local_start.date() in days:
            days[local_start.date()].events.append(
                Event(
                    local_start,
                    appointment.end.astimezone(loc_zone),
                    label,
                    kind,
                    appointment.location,
                    appointment,
                    can_edit=appointment.location_id in editable,
                )
            )
    pending = selectors.pending_for_calendar(
        locations_qs=Location.objects.filter(id__in=location_ids), start=range_start, end=range_end
    )
    for item in pending:
        item.held = (item.kind, item.pk) in held_pending
        loc = by_id.get(getattr(item, "location_id", None)) or getattr(item, "location", None) or locations[0]
        local_start = item.start.astimezone(loc.zone)
        if local_start.date() in days:
            days[local_start.date()].events.append(
                Event(
                    local_start,
                    item.end.astimezone(loc.zone),
                    item.title,
                    "pending",
                    loc,
                    item=item,
                    can_edit=loc.pk in editable,
                )
            )
    for day in days.values():
        day.events.sort(key=lambda e: (e.start, e.kind))
        day.availability.sort(key=lambda a: (a[1], a[0].name))
    weeks = [list(days.values())[i : i + 7] for i in range(0, len(days), 7)]
    single = locations[0] if len(locations) == 1 else None
    has_respond_form = _has_template("conflicts/_respond_form.html") and bool(pending)
    if view == "week":
        week_cards = _week_cards(
            request,
            days,
            versions,
            locations=locations,
            editable=editable,
            start=range_start,
            end=range_end,
            multi=single is None,
        )
        requests = _pending_requests(
            request, [e for day in days.values() for e in day.events], multi=single is None, respond=has_respond_form
        )
        runs: list[str] = []
        for day in days.values():
            day.entries = _entries(request, day.events, week_cards.get(day.day, []), requests, runs)
    context = {
        "card_runs": runs if view == "week" else [],
        "locations": locations,
        "single": single,
        "multi": single is None,
        "view": view,
        "title": title,
        "zone_name": single.time_zone if single else None,
        "days": list(days.values()),
        "weeks": weeks,
        "anchor": anchor,
        "today": today,
        "prev_day": prev_day,
        "next_day": next_day,
        "editable_ids": editable,
        "has_respond_form": has_respond_form,
        "pending_count": len(pending),
        "calendar_url": reverse("calendar"),
    }
    if single is not None and single.pk in editable:
        context["editor"] = editor_context(single, **extra.pop("editor_forms", {}))
    if single is not None and single.pk in editable and can(request.user, Action.MANAGE_CALENDAR_SOURCES, single):
        context["sources"] = sources_context(single, form=extra.pop("sources_form", None))
    context.update(_banner(request, single, banner))
    context.update(extra)
    return context


def _week_cards(request, days: dict, versions: dict, *, locations, editable, start, end, multi: bool) -> dict:
    """{day: [a Location's cards (calendars.cards.pack_day)]}: the week's appointment cards
    read as whole days from the cache (calendars.cards.day_key) by the `versions` of the UTC
    days each local day spans — one cache read however many there are, and one query for the
    days not cached. A day none of whose UTC days has a version never had an appointment."""
    by_id = {location.pk: location for location in locations}
    next_url = request.get_full_path()
    now = timezone.now().replace(second=0, microsecond=0)  # today's cards change by the minute
    keys = {}
    for location_id in {location_id for location_id, _ in versions}:
        location = by_id[location_id]
        for day in days:
            shown = tuple(versions.get((location_id, utc_day)) for utc_day in utc_days(day, location.zone))
            if any(shown):
                keys[(location_id, day)] = cards.day_key(
                    location=location,
                    day=day,
                    versions=shown,
                    started=cards.day_started(day, location.zone, now),
                    can_edit=location_id in editable,
                    show_location=multi,
                    next_url=next_url,
                )
    cached = cards.cached_days(list(keys.values()))
    found = {pair: cached[day_key] for pair, day_key in keys.items() if day_key in cached}
    if missing := set(keys) - set(found):
        # Read after the versions: a write in between is in these rows and under a newer
        # version, so a day is never cached under a version newer than what it shows.
        appointments = week_selectors.week_card_appointments(locations=locations, start=start, end=end, days=missing)
        grouped: dict[tuple[int, date], list[Event]] = {pair: [] for pair in missing}
        for appointment in appointments:
            zone = appointment.location.zone
            grouped[(appointment.location_id, appointment.local_day)].append(
                Event(
                    appointment.start.astimezone(zone),
                    appointment.end.astimezone(zone),
                    str(appointment.lead),
                    "appointment",
                    appointment.location,
                    appointment,
                    can_edit=appointment.location_id in editable,
                )
            )
        drawn = [e for day in grouped.values() for e in day]
        rendered = iter(cards.render_cards(request, drawn, show_location=multi, now=now))
        stored = {}
        for pair, events in grouped.items():  # an emptied day too: cached as empty
            items = [(e.start.timestamp(), e.appointment.pk, f"<li>{next(rendered)}</li>") for e in events]
            found[pair] = stored[keys[pair]] = cards.pack_day(items)
        cards.store_days(stored)
    week: dict[date, list] = {}
    for (_, day), items in found.items():
        if cards.day_html(items):
            week.setdefault(day, []).append(items)
    return week


def utc_days(day: date, zone) -> list[date]:
    """The UTC days a local day of `zone` spans: one, or two (the zone is not UTC)."""
    first = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC).date()
    last = (datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone) - timedelta(microseconds=1)).astimezone(UTC)
    return [first + timedelta(days=offset) for offset in range((last.date() - first).days + 1)]


def _pending_requests(request, events: list[Event], *, multi: bool, respond: bool) -> dict[int, str]:
    """{id(event): HTML} of the week's pending requests, each with its answer box when the user
    may answer (conflicts/_respond_form.html, ~0.4 ms each): from the fragment cache, keyed by
    everything the item shows — the busiest owner has twenty waiting in a week."""
    events = [event for event in events if event.kind == "pending"]
    if not events:
        return {}
    next_url = request.get_full_path()

    def shown(event: Event) -> tuple:
        item, location = event.item, event.location
        return (
            item.kind,
            item.pk,
            event.start.isoformat(),
            event.end.isoformat(),
            event.title,
            item.held,
            item.detail_url,
            item.respond_url,
            location.name,
            location.time_zone,
            tuple(location.meeting_types),  # the alternate's meeting types
            multi,
            respond and event.can_edit,
            next_url,
        )

    rendered = render_rows(
        request,
        prefix="calpending",
        templates=("calendars/calendar.html#week-pending", "conflicts/_respond_form.html"),
        modules=(type(events[0].item).__module__,),  # the item's properties (title, URLs, choices)
        rows=[
            (
                shown(event),
                lambda event=event: {
                    "event": event,
                    "multi": multi,
                    "has_respond_form": respond,
                    "next_url": next_url,
                    "request": request,  # its path only: next_url, in the key
                },
            )
            for event in events
        ],
    )
    return {id(event): html for event, html in zip(events, rendered, strict=True)}


def _entries(request, events: list[Event], card_days: list[list], requests: dict[int, str], runs: list[str]) -> list:
    """A day's appointment cards, holds and pending requests in time order (at the same time:
    appointments, holds, requests); consecutive cards and requests as one CardRun, its HTML
    added to `runs`."""

    def card_run(html: str) -> CardRun:
        runs.append(cards.with_csrf_token(request, html))
        return CardRun(len(runs) - 1)

    if not events and len(card_days) == 1:  # the usual day: one Location's cards only
        return [card_run(cards.day_html(card_days[0]))]
    ranks = {"appointment": 0, "held": 1, "pending": 2}
    ordered = sorted(
        [(at, 0, pk, html) for day in card_days for at, pk, html in cards.unpack_day(day)]
        + [(e.start.timestamp(), ranks[e.kind], position, e) for position, e in enumerate(events)],
        key=lambda entry: entry[:3],
    )
    entries: list = []
    run: list[str] = []
    for _, rank, _, item in ordered:
        if rank == 1:  # a hold: the template draws it
            if run:
                entries.append(card_run("".join(run)))
                run = []
            entries.append(item)
        else:
            run.append(item if rank == 0 else requests[id(item)])
    if run:
        entries.append(card_run("".join(run)))
    return entries


def render_calendar(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    """The calendar tab's page (or its body) with the week's card runs put in after the
    template: a busy week's runs are 650 KB of HTML, which each template level they would pass
    through (blocks, loops, conditions: a dozen) joins and copies again (issue #17)."""
    html = render_to_string(template, context, request)
    if runs := context.get("card_runs"):
        head, *parts = html.split(_RUN_MARK)
        pieces = [head]
        for part in parts:
            index, rest = part.split(">", 1)
            pieces += [runs[int(index)], rest]
        html = "".join(pieces)
    return HttpResponse(html, status=status)


def _banner(request: HttpRequest, single: Location | None, wanted: bool) -> dict:
    if not wanted:
        return {}
    return {"insufficient_calendars": selectors.insufficient_calendars(user=request.user, location=single)}


def _has_template(name: str) -> bool:
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


def editor_context(location: Location, **forms) -> dict:
    """The availability editor of one Location: windows, upcoming exceptions, three forms and
    the bookable hours of the next 14 days — two queries."""
    today = timezone.now().astimezone(location.zone).date()
    windows = list(location.availability_windows.all())
    exceptions = list(location.availability_exceptions.filter(date__gte=today)[:100])
    hours = None
    if location.billing == Location.Billing.PER_APPOINTMENT and location.takes_bookings:
        hours = selectors.hours_next_14_days(location, windows=windows, exceptions=exceptions)
    offered = tuple(location.meeting_types)  # the window and exception forms' choices
    slot_settings = (location.slot_minutes, location.buffer_minutes, location.minimum_notice_minutes)
    fields = "calendars/_availability.html#"
    return {
        "location": location,
        "windows": windows,
        "exceptions": exceptions,
        "window_fields": form_fields(
            fields + "window-fields", forms.get("window_form") or WindowForm(location=location), shown=offered
        ),
        "exception_fields": form_fields(
            fields + "exception-fields", forms.get("exception_form") or ExceptionForm(location=location), shown=offered
        ),
        "slot_fields": form_fields(
            fields + "slot-fields", forms.get("slot_form") or SlotSettingsForm(instance=location), shown=slot_settings
        ),
        "sufficiency_hours": hours,
    }


def sources_context(location: Location, *, form: CalendarSourceForm | None = None) -> dict:
    """The Location's calendar sources and the add form — one query."""
    return {
        "location": location,
        "rows": selectors.calendar_sources_of(location),
        "fields": form_fields("calendars/_sources.html#source-fields", form or CalendarSourceForm(), shown=()),
        "refresh_minutes": settings.CALENDAR_SOURCE_REFRESH_MINUTES,
    }


_UNBOUND_FIELDS: dict[tuple, str] = {}


def form_fields(partial: str, form, *, shown: tuple) -> str:
    """A form's fields as `partial` renders them (safe HTML). Django renders each widget through
    its own templates, about a millisecond a form (a third of the calendar tab's template time,
    issue #17); an empty form shows nothing but its class and `shown` (the choices and values it
    starts with), so it is rendered once per process and `shown`. A submitted one, with its
    values and errors, every time; in DEBUG too (templates are edited live)."""
    if form.is_bound or settings.DEBUG:
        return get_template(partial).render({"form": form})
    key = (partial, shown, translation.get_language())
    if (html := _UNBOUND_FIELDS.get(key)) is None:
        if len(_UNBOUND_FIELDS) > 4096:  # a few per Location's settings: bounded, never stale
            _UNBOUND_FIELDS.clear()
        html = _UNBOUND_FIELDS[key] = get_template(partial).render({"form": form})
    return html
