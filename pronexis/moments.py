"""Dates and times at the edge: every date or date-time a request carries is read here, once.

DESIGN.md "Round 2 contracts" (issues #9 item 5 and #16 item 3):
- the API reads ISO 8601 and refuses a date-time without a UTC offset (`ApiDateTimeField` in
  serializers, `api_moment()` for query parameters);
- portal and agent-console forms read the Location's local date and time (`PortalDateField`,
  `LocalDateTimeField`, and `portal_day()` / `portal_moment()` for query parameters);
- both refuse dates outside 2000–2100 and UTC offsets beyond ±14 h with a message naming the
  accepted range, so no such value reaches date arithmetic (year 9999 + 1 day overflows),
  PostgreSQL (which refuses offsets past ±15:59) or a stored row that pages then cannot show.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework import serializers

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)
MAX_OFFSET = dt.timedelta(hours=14)
OUT_OF_RANGE = f"Give a date between {EARLIEST.isoformat()} and {LATEST.isoformat()}."
BAD_OFFSET = "A UTC offset is between -14:00 and +14:00."
NAIVE = "Give the time with its UTC offset, e.g. 2026-12-18T15:00:00-05:00 or …Z; a time without one is refused."
NOT_ISO = "Give an ISO 8601 date and time with its offset, e.g. 2026-12-18T15:00:00-05:00."


def date_problem(value: dt.date) -> str:
    """Why a date is refused ("" when it is in range)."""
    return "" if EARLIEST <= value <= LATEST else OUT_OF_RANGE


def moment_problem(value: dt.datetime) -> str:
    """Why a date-time is refused: an offset beyond ±14 h or a date outside the range."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        return BAD_OFFSET
    return date_problem(value.date())


def _parse(text: str, parser):
    """Django's parser without its exceptions: None when the text is not a valid value."""
    if not isinstance(text, str) or "\x00" in text:
        return None
    try:
        return parser(text.strip())
    except (ValueError, OverflowError):
        return None


# --- the API ---------------------------------------------------------------------------------
class ApiDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time with its UTC offset, 2000–2100 (schema: `format: date-time`)."""

    default_error_messages = {"naive": NAIVE, "range": OUT_OF_RANGE, "offset": BAD_OFFSET}

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        problem = moment_problem(value)
        if problem:
            raise serializers.ValidationError(problem, code="range")
        return super().enforce_timezone(value)


def api_moment(params, name: str, *, zone: dt.tzinfo | None = None) -> dt.datetime | None:
    """A query parameter as an aware date-time (None when absent; present but empty is a 400).
    With `zone`, a bare date is local midnight there; a date-time must carry its offset."""
    text = params.get(name)
    if text is None:
        return None
    if zone is not None and (day := _parse(text, parse_date)) is not None:
        if problem := date_problem(day):
            raise serializers.ValidationError({name: [problem]})
        return dt.datetime.combine(day, dt.time(0), tzinfo=zone)
    parsed = _parse(text, parse_datetime)
    if parsed is None:
        hint = "an ISO 8601 date (YYYY-MM-DD) or " if zone is not None else "an ISO 8601 "
        raise serializers.ValidationError(
            {name: [f"Give {hint}date and time with its offset, e.g. 2026-12-18T15:00:00-05:00."]}
        )
    if timezone.is_naive(parsed):
        raise serializers.ValidationError({name: [NAIVE]})
    if problem := moment_problem(parsed):
        raise serializers.ValidationError({name: [problem]})
    return parsed


# --- portal and agent-console forms ------------------------------------------------------------
class PortalDateField(forms.DateField):
    """A date picker's value, 2000–2100."""

    def validate(self, value):
        super().validate(value)
        if value and (problem := date_problem(value)):
            raise ValidationError(problem, code="range")


class LocalDateTimeField(forms.DateTimeField):
    """`<input type=datetime-local>`: the wall-clock time in the current zone (the form's
    Location, see agents.forms.LocationForm), 2000–2100."""

    LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT)
    input_formats = [LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]

    def validate(self, value):
        super().validate(value)
        if value and (problem := moment_problem(value)):
            raise ValidationError(problem, code="range")


def portal_day(text: str | None) -> dt.date | None:
    """A query parameter as a date: None when absent, unreadable or out of range (pages then
    show their default day)."""
    day = _parse(text or "", parse_date)
    return day if day is not None and not date_problem(day) else None


def portal_moment(text: str, zone: dt.tzinfo, name: str) -> dt.datetime:
    """A typed date and time: local in `zone` unless it carries an offset; ValidationError
    naming the field otherwise."""
    parsed = _parse(text.replace(" ", "T"), parse_datetime)
    if parsed is None:
        raise ValidationError({name: "Give the date and time as YYYY-MM-DD and HH:MM."})
    if timezone.is_naive(parsed):
        if problem := date_problem(parsed.date()):
            raise ValidationError({name: problem})
        parsed = parsed.replace(tzinfo=zone)
    if problem := moment_problem(parsed):
        raise ValidationError({name: problem})
    return parsed
