"""The alternate picker (issue #11, "alternates like Calendly"): the owner's free times, one local
day at a time starting at the requested day, as tappable choices for "Suggest an alternate".
Three queries per day shown (calendars.selectors.slots_for_location); nothing is computed until
the picker is opened, so the Action Center stays flat in the number of items."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from calendars.selectors import slots_for_location

from .models import Conflict

DAYS_AHEAD = 60  # the picker walks at most this far from today


@dataclass(frozen=True)
class AlternateDay:
    day: dt.date
    starts: list[dt.datetime]  # local, the meeting type's free slot starts
    previous: dt.date | None  # None: no earlier day worth offering (today or before)
    next: dt.date | None


def offered_meeting_type(conflict: Conflict) -> str | None:
    """The requested meeting type when the Location offers it; otherwise any type it offers."""
    offered = conflict.location.meeting_types
    return conflict.requested_meeting_type if not offered or conflict.requested_meeting_type in offered else None


def alternate_day(conflict: Conflict, day: dt.date | None = None, *, now: dt.datetime | None = None) -> AlternateDay:
    """Free slot starts of one local day of the conflict's Location (the requested day unless
    `day` is given; never before today nor past DAYS_AHEAD)."""
    now = now or timezone.now()
    location = conflict.location
    zone = location.zone
    today = now.astimezone(zone).date()
    day = day or conflict.requested_start.astimezone(zone).date()
    day = min(max(day, today), today + dt.timedelta(days=DAYS_AHEAD))
    start = dt.datetime.combine(day, dt.time(0), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    slots = slots_for_location(
        location=location, start=start, end=end, meeting_type=offered_meeting_type(conflict), now=now
    )
    starts = sorted({slot.start.astimezone(zone) for slot in slots})  # the owner approves their own
    return AlternateDay(
        day=day,
        starts=starts,
        previous=day - dt.timedelta(days=1) if day > today else None,
        next=day + dt.timedelta(days=1) if day < today + dt.timedelta(days=DAYS_AHEAD) else None,
    )


def clashes(conflict: Conflict, start: dt.datetime, *, now: dt.datetime | None = None) -> bool:
    """Whether a typed alternate time is not one of the owner's free slots (outside availability,
    booked or held): the owner is warned and asked to confirm."""
    zone = conflict.location.zone
    local = start.astimezone(zone)
    return local not in alternate_day(conflict, local.date(), now=now).starts
