"""Appointment cards of the calendar week, rendered once and then read from the cache (issue #17).

A card (`calendars/_appointment.html`) was most of the week's time: about a millisecond each,
so the busiest owner's week cost seven times the quiet one's. Its cache key is made of
everything the card shows (the appointment's times, status, type, the lead's name, the
Location, whether the viewer may change it, the page it returns to) and of the template's own
source: a changed appointment, a renamed lead or a new deploy is a new key, so nothing needs
invalidating and no owner ever sees a stale card. The CSRF token is a placeholder in the cache
and the request's own token in the page. A cache that is down costs speed, never the page.
"""

from __future__ import annotations

import hashlib
import threading
from array import array
from collections import OrderedDict
from datetime import datetime, time, timedelta
from functools import cache

from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.safestring import mark_safe

from pronexis.fragments import cached_fragments, store_fragments

TEMPLATE = "calendars/_appointment.html"
CSRF_PLACEHOLDER = "__pronexis_card_csrf__"


@cache
def _template_digest() -> str:
    """The card template's source and the labels it shows (a deploy that renames "No-show"
    makes new keys too)."""
    from .models import MEETING_TYPES, Appointment

    shown = (get_template(TEMPLATE).template.source, tuple(Appointment.Status.choices), tuple(MEETING_TYPES))
    return hashlib.blake2b(repr(shown).encode(), digest_size=8).hexdigest()


def _key(event, *, show_location: bool, next_url: str, now) -> str:
    appointment, location = event.appointment, event.location
    shown = (
        appointment.start <= now,  # started: its "Completed / No-show" buttons
        appointment.pk,
        appointment.start.isoformat(),
        appointment.end.isoformat(),
        appointment.status,
        appointment.forced,
        appointment.meeting_type,
        str(appointment.lead),
        location.name,
        location.time_zone,
        event.can_edit,
        show_location,
        next_url,
    )
    digest = hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()
    return f"card:{_template_digest()}:{digest}"


def render_cards(request, events, *, show_location: bool, now) -> list[str]:
    """The cards of these appointment events as of `now` (those started offer "Completed" and
    "No-show"), the CSRF token a placeholder (`with_csrf_token`) — one cache read, one write for
    the cards not seen before."""
    if not events:
        return []
    next_url = request.get_full_path()
    keys = [_key(event, show_location=show_location, next_url=next_url, now=now) for event in events]
    found = cached_fragments(keys)
    missing = {}
    template = get_template(TEMPLATE)
    for key, event in zip(keys, events, strict=True):
        if key not in found:
            found[key] = missing[key] = template.render(
                {
                    "appointment": event.appointment,
                    "can_edit": event.can_edit,
                    "show_location": show_location,
                    "request": request,
                    "now": now,
                    "csrf_token": CSRF_PLACEHOLDER,
                }
            )
    if missing:
        store_fragments(missing)
    return [found[key] for key in keys]


def with_csrf_token(request, html: str) -> str:
    """Cached HTML with this request's CSRF token in its forms (safe HTML)."""
    return mark_safe(html.replace(CSRF_PLACEHOLDER, get_token(request)))  # noqa: S308 (our own template's output)


# --- a whole day of a Location's cards, one cache entry ----------------------------------------
# The busiest owner's week holds 1,803 appointments: read card by card, each cost a model
# instance, a key and a loop turn of the template, so that week took five times the quiet one.
# A day is cached whole, keyed by the versions of the UTC days it spans (AppointmentDayVersion,
# moved by triggers on every change to what its cards show) and by what else the cards show; a
# reading of the week is then one query of a few rows and one cache read whatever its size.
# Nothing is invalidated: a changed row is a new version.
def day_key(*, location, day, versions: tuple, started: str, can_edit: bool, show_location: bool, next_url: str) -> str:
    shown = (
        started,  # which of its cards have started (`day_started`)
        location.pk,
        day.isoformat(),
        versions,
        location.name,
        location.time_zone,
        can_edit,
        show_location,
        next_url,
    )
    return f"cardday3:{_template_digest()}:{hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest()}"


def day_started(day, zone, now) -> str:
    """What a day's cards show of the time: all started (a past day), none (a future one), or, for
    the day `now` is in, those started by `now` — a minute at a time (the caller's `now`)."""
    if now >= datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone):
        return "past"
    if now < datetime.combine(day, time(0), tzinfo=zone):
        return "future"
    return now.isoformat()


# A key names one content for ever, so this process also keeps the days it read last: the
# busiest week's 650 KB read from Redis and unpickled cost more than a millisecond a page.
_RECENT_DAYS: OrderedDict[str, tuple] = OrderedDict()
_RECENT_CHARACTERS = 8_000_000  # at most, per process
_recent_size = 0
_recent_lock = threading.Lock()


def cached_days(keys: list[str]) -> dict:
    """{key: a day as `pack_day` made it} of the days cached: this process's, then the cache's."""
    with _recent_lock:
        found = {key: _RECENT_DAYS[key] for key in keys if key in _RECENT_DAYS}
    if len(found) < len(keys):
        found.update(cached_fragments([key for key in keys if key not in found]))
    _remember(found)
    return found


def store_days(days: dict) -> None:
    store_fragments(days)
    _remember(days)


def _remember(days: dict) -> None:
    global _recent_size
    with _recent_lock:  # a threaded server (runserver, ASGI) shares them
        for key, day in days.items():
            if key in _RECENT_DAYS:
                _RECENT_DAYS.move_to_end(key)
                continue
            _RECENT_DAYS[key] = day
            _recent_size += len(day[0]) + 64
        while _recent_size > _RECENT_CHARACTERS and len(_RECENT_DAYS) > 1:
            _recent_size -= len(_RECENT_DAYS.popitem(last=False)[1][0]) + 64


def pack_day(cards: list[tuple[float, int, str]]) -> tuple:
    """A day's cards [(UTC timestamp of the start, appointment id, list item HTML)] as one cache
    value: their HTML joined (the CSRF token a placeholder), and each one's start, id and end in
    it — arrays, not 1,800 tuples to unpickle on every reading."""
    ends, length = array("q"), 0
    for _, _, card in cards:
        length += len(card)
        ends.append(length)
    starts, ids = array("d", (at for at, _, _ in cards)), array("q", (pk for _, pk, _ in cards))
    return "".join(card for _, _, card in cards), starts, ids, ends


def day_html(day: tuple) -> str:
    return day[0]


def unpack_day(day: tuple) -> list[tuple[float, int, str]]:
    """The cards of a `pack_day` value, to put the day's holds and requests between them."""
    html, starts, ids, ends = day
    begins = [0, *ends[:-1]]
    return [(at, pk, html[begin:end]) for at, pk, begin, end in zip(starts, ids, begins, ends, strict=True)]
