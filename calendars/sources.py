"""Writes of calendar sources: adding, refreshing and removing an owner's own calendars, whose
events become the Location's busy blocks (DESIGN.md "Round 2 contracts" → Calendar truth).

A refresh reads the whole source (an ICS address with a conditional GET, or every event of a
CalDAV calendar), expands it for the next HORIZON_DAYS (`calendars.busy`) and replaces the
source's busy blocks in one transaction, so slot search never sees half a calendar. A failure
keeps the last good blocks and records the message the Action Center shows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Location
from accounts.permissions import Action, require

from . import busy, credentials, remote
from .models import BusyBlock, CalendarSource

URL_SCHEMES = ("https://", "http://", "webcal://")


def _read(source: CalendarSource, now: datetime) -> list[tuple[datetime, datetime]] | None:
    """The source's busy intervals for the horizon; None when an ICS address is unchanged (304).

    Raises remote.SourceError with a message for the owner."""
    if source.kind == CalendarSource.Kind.ICS:
        response = remote.fetch_ics(source.url, etag=source.etag, last_modified=source.last_modified)
        if response.body is None:
            return None
        source.etag, source.last_modified = response.etag[:200], response.last_modified[:100]
        bodies = [response.body]
    else:
        try:
            password = credentials.decrypt(source.password_encrypted)
        except ValueError as exc:
            raise remote.SourceError(str(exc))
        bodies = remote.fetch_caldav(source.url, username=source.username, password=password)
    try:
        return busy.busy_intervals(
            bodies, zone=source.location.zone, start=now, end=now + timedelta(days=busy.HORIZON_DAYS)
        )
    except Exception as exc:  # icalendar and the expansion raise ValueError, KeyError, …
        raise remote.SourceError(f"The calendar could not be read as iCalendar ({type(exc).__name__}).") from exc


def _store(source: CalendarSource, intervals: list[tuple[datetime, datetime]] | None, now: datetime) -> None:
    """Replace the source's busy blocks (unless unchanged) and record the success — one transaction."""
    with transaction.atomic():
        source.last_attempt_at = source.last_success_at = now
        source.last_error = ""
        source.save()
        if intervals is not None:
            BusyBlock.objects.filter(source=source).delete()
            BusyBlock.objects.bulk_create(
                BusyBlock(location_id=source.location_id, source=source, start=start, end=end)
                for start, end in intervals
            )


def calendar_source_add(
    *,
    location: Location,
    actor,
    kind: str,
    url: str,
    name: str = "",
    username: str = "",
    password: str = "",
    push_bookings: bool = False,
    now: datetime | None = None,
) -> CalendarSource:
    """Owners add a calendar; it is read at once, so a bad address or bad credentials are refused
    with a clear message (ValidationError on `url` or `password`)."""
    require(actor, Action.MANAGE_CALENDAR_SOURCES, location)
    now = now or timezone.now()
    url = url.strip()
    if kind not in CalendarSource.Kind.values:
        raise ValidationError({"kind": "Choose an ICS address or a CalDAV calendar."})
    if not url.lower().startswith(URL_SCHEMES):
        raise ValidationError({"url": "Give the calendar's https:// or webcal:// address."})
    if push_bookings and kind != CalendarSource.Kind.CALDAV:
        raise ValidationError({"push_bookings": "Bookings can only be put in a CalDAV calendar."})
    source = CalendarSource(
        location=location,
        kind=kind,
        url=url,
        name=name.strip()[:100],
        username=username.strip() if kind == CalendarSource.Kind.CALDAV else "",
        password_encrypted=credentials.encrypt(password) if kind == CalendarSource.Kind.CALDAV else "",
        push_bookings=push_bookings,
    )
    try:
        intervals = _read(source, now)
    except remote.SourceError as exc:
        field = "password" if "user name or app password" in str(exc) else "url"
        raise ValidationError({field: str(exc)})
    _store(source, intervals, now)
    if source.push_bookings:
        from .push import bookings_backfill

        bookings_backfill(source, now=now)
    return source


def calendar_source_refresh(*, source: CalendarSource, now: datetime | None = None) -> bool:
    """Read one source again ("Refresh now", the beat, the command); False when it failed — the
    last good busy blocks stay and `last_error` says why."""
    now = now or timezone.now()
    try:
        intervals = _read(source, now)
    except remote.SourceError as exc:
        source.last_attempt_at, source.last_error = now, str(exc)[:500]
        source.save(update_fields=["last_attempt_at", "last_error"])
        return False
    _store(source, intervals, now)
    return True


def calendar_sources_refresh(
    *, location_id: int | None = None, due_only: bool = True, now: datetime | None = None
) -> tuple[int, int]:
    """Refresh the sources (of one Location, or all; only those due when `due_only`) — (ok, failed)."""
    now = now or timezone.now()
    sources = CalendarSource.objects.select_related("location")
    if location_id is not None:
        sources = sources.filter(location_id=location_id)
    if due_only:
        sources = sources.due(before=now - timedelta(minutes=settings.CALENDAR_SOURCE_REFRESH_MINUTES))
    ok = failed = 0
    for source in sources:
        if calendar_source_refresh(source=source, now=now):
            ok += 1
        else:
            failed += 1
    return ok, failed


def calendar_source_refresh_now(*, source: CalendarSource, actor, now: datetime | None = None) -> bool:
    """ "Refresh now" on the calendar tab (owners)."""
    require(actor, Action.MANAGE_CALENDAR_SOURCES, source.location)
    return calendar_source_refresh(source=source, now=now)


def calendar_source_remove(*, source: CalendarSource, actor) -> None:
    """Owners remove a calendar; its busy blocks go with it (and its pending booking pushes)."""
    require(actor, Action.MANAGE_CALENDAR_SOURCES, source.location)
    source.delete()
