"""Writes of availability (DESIGN.md "Calendars" → Availability): weekly windows, date exceptions, slot settings."""

from __future__ import annotations

from datetime import time

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Location
from accounts.permissions import Action, require
from pronexis.locks import lock

from . import slots as slot_search
from .models import AvailabilityException, AvailabilityWindow


# --- availability ----------------------------------------------------------------------------
def _check_meeting_types(location: Location, meeting_types: list[str], *, required: bool) -> list[str]:
    meeting_types = list(dict.fromkeys(meeting_types))
    if required and not meeting_types:
        raise ValidationError({"meeting_types": "Choose at least one meeting type."})
    unknown = [t for t in meeting_types if t not in location.meeting_types]
    if unknown:
        raise ValidationError({"meeting_types": f"This Location does not offer: {', '.join(unknown)}."})
    return meeting_types


def availability_window_add(
    *, location: Location, actor, weekday: int, start_time: time, end_time: time, meeting_types: list[str]
) -> AvailabilityWindow:
    """Owners and managers add a weekly window; inverted or overlapping windows are refused."""
    require(actor, Action.EDIT_AVAILABILITY, location)
    if not 0 <= int(weekday) <= 6:
        raise ValidationError({"weekday": "Choose a day of the week."})
    if not slot_search.window_is_valid(start_time, end_time):
        raise ValidationError({"end_time": "The window ends before it starts (use 00:00 for midnight)."})
    meeting_types = _check_meeting_types(location, meeting_types, required=True)
    with transaction.atomic():
        lock(Location.objects.filter(pk=location.pk)).first()
        for other in AvailabilityWindow.objects.filter(location=location, weekday=weekday):
            if slot_search.windows_overlap(start_time, end_time, other.start_time, other.end_time):
                raise ValidationError({"start_time": f"This window overlaps {other}."})
        return AvailabilityWindow.objects.create(
            location=location, weekday=weekday, start_time=start_time, end_time=end_time, meeting_types=meeting_types
        )


def availability_window_delete(*, window: AvailabilityWindow, actor) -> None:
    require(actor, Action.EDIT_AVAILABILITY, window.location)
    window.delete()


def availability_exception_add(
    *,
    location: Location,
    actor,
    date,
    kind: str,
    start_time: time | None = None,
    end_time: time | None = None,
    meeting_types: list[str] | None = None,
    note: str = "",
) -> AvailabilityException:
    """Time off or extra hours on one date; both times or neither (= the whole day)."""
    require(actor, Action.EDIT_AVAILABILITY, location)
    if kind not in AvailabilityException.Kind.values:
        raise ValidationError({"kind": "Choose time off or extra hours."})
    if (start_time is None) != (end_time is None):
        raise ValidationError({"end_time": "Give both times, or neither for the whole day."})
    if start_time is not None and not slot_search.window_is_valid(start_time, end_time):
        raise ValidationError({"end_time": "The time ends before it starts (use 00:00 for midnight)."})
    meeting_types = _check_meeting_types(location, meeting_types or [], required=False)
    return AvailabilityException.objects.create(
        location=location,
        date=date,
        kind=kind,
        start_time=start_time,
        end_time=end_time,
        meeting_types=meeting_types,
        note=note,
    )


def availability_exception_delete(*, exception: AvailabilityException, actor) -> None:
    require(actor, Action.EDIT_AVAILABILITY, exception.location)
    exception.delete()


def location_update_slot_settings(
    *, location: Location, actor, slot_minutes: int, buffer_minutes: int, minimum_notice_minutes: int
) -> Location:
    """Slot length, buffer and minimum notice (DESIGN.md "Calendars" → Availability)."""
    require(actor, Action.EDIT_AVAILABILITY, location)
    location.slot_minutes, location.buffer_minutes = slot_minutes, buffer_minutes
    location.minimum_notice_minutes = minimum_notice_minutes
    location.save(update_fields=["slot_minutes", "buffer_minutes", "minimum_notice_minutes"])
    return location
