"""How the portal shows values people read: phone numbers, time zones, meeting types.

`{% load portal_format %}` then `{{ number|phone }}` → (212) 555-0123, `{{ location|zone_label }}`
→ "Eastern time", `{{ codes|meeting_types }}` → "At the office, By phone".
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from accounts.models import Location
from accounts.normalize import format_phone

register = template.Library()

_ZONES = {
    "America/New_York": "Eastern time",
    "America/Detroit": "Eastern time",
    "America/Toronto": "Eastern time",
    "America/Chicago": "Central time",
    "America/Winnipeg": "Central time",
    "America/Denver": "Mountain time",
    "America/Edmonton": "Mountain time",
    "America/Boise": "Mountain time",
    "America/Phoenix": "Arizona time",
    "America/Los_Angeles": "Pacific time",
    "America/Vancouver": "Pacific time",
    "America/Anchorage": "Alaska time",
    "Pacific/Honolulu": "Hawaii time",
    "America/Halifax": "Atlantic time",
    "America/St_Johns": "Newfoundland time",
    "America/Puerto_Rico": "Atlantic time",
    "UTC": "UTC",
}
_MEETING_TYPES = dict(Location.MeetingType.choices)


@register.filter
def phone(value) -> str:
    """E.164 → how people read it, e.g. (212) 555-0123; anything unparsable is shown as is."""
    return format_phone(str(value)) if value else ""


@register.filter
def zone_label(value) -> str:
    """A Location, a zone or an IANA name → "Eastern time" (unknown zones: "Europe/Paris" → "Paris time")."""
    name = getattr(value, "time_zone", None) or getattr(value, "key", None) or str(value or "")
    if not name:
        return ""
    if name in _ZONES:
        return _ZONES[name]
    return name.rsplit("/", 1)[-1].replace("_", " ") + " time"


@register.filter
def meeting_type(value) -> str:
    """A meeting-type code → its label ("client_home" → "At the client's home")."""
    return _MEETING_TYPES.get(value, value)


@register.filter
def meeting_types(values) -> str:
    """Meeting-type codes → their labels, comma separated."""
    return ", ".join(_MEETING_TYPES.get(value, value) for value in values or ())


@register.filter
def month_label(value: str) -> str:
    """ "2026-11" → "November 2026" (anything else as it is)."""
    import calendar

    try:
        year, month = (int(part) for part in str(value).split("-"))
        return f"{calendar.month_name[month]} {year}"
    except (ValueError, IndexError):
        return value


@register.filter
def in_zone(value, zone):
    """Django's `timezone` filter (a datetime in a zone: an IANA name, a ZoneInfo), except that a
    stored value the zone cannot represent (year 1 west of UTC, year 9999 east of it) is shown
    as it is rather than failing the whole page. Templates use this one (a test checks it)."""
    from django.templatetags.tz import datetimeobject, do_timezone

    try:
        return do_timezone(value, zone)
    except OverflowError:
        shown = datetimeobject(
            value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond, value.tzinfo
        )
        shown.convert_to_local_time = False
        return shown


@register.simple_tag
def tel(number, label: str = ""):
    """A number as a `tel:` link people can read ((212) 555-0123), with its label before it."""
    if not number:
        return format_html('<span class="muted">{}{}</span>', f"{label}: " if label else "", "none on file")
    if label:
        return format_html(
            '<span class="tel-label">{}</span> <a class="tel" href="tel:{}">{}</a>', label, number, format_phone(number)
        )
    return format_html('<a class="tel" href="tel:{}">{}</a>', number, format_phone(number))
