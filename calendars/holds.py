"""Slot holds (DESIGN.md "Round 2 contracts" → Calendar truth).

A pending conflict or same-day request holds the interval it asks for, so another agent cannot
book it while the owner decides. A hold is an `Appointment` row with status `held`, linked to
its request and covered by the same exclusion constraint as booked appointments: no code path
can book over it, a race included. Its life follows the request (`hold_sync`, called by the
conflicts services after each change, inside their transaction):

- pending (raised)            → hold the requested interval;
- conflict approved           → keep the hold until the agent books it or closes the callback;
- conflict alternate          → move the hold to the owner's alternate;
- same-day approved           → the approval books it at once: the booking converts the hold;
- declined, closed, expired   → release it (delete the row: a hold was never an appointment).

A time already booked or held cannot be held again. A same-day request for it is refused (409:
its approval would book it at once); a conflict is still raised — or its alternate recorded —
without a hold, since the owner may decide to move the other appointment (DESIGN.md keeps
conflicts on booked times).

Every hold expires: a same-day one at the requested start, a conflict's at its start or after
`HOLD_DAYS` (default 7) from when it was placed, whichever comes first. Expired holds are
released by the beat (`release_expired_holds`) and, under the Location lock, by any booking or
hold that needs their time — slot search ignores them already.

Booking the held time for the held lead turns the hold row itself into the booking
(`claim_for_booking`, in the booking's transaction); for any other lead the booking is refused
(409) naming the request that holds the time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Location
from pronexis.errors import Refused
from pronexis.locks import lock

from .models import Appointment

HELD = Appointment.Status.HELD


def _describe_time(moment: datetime, location: Location) -> str:
    value = moment.astimezone(location.zone)
    return f"{value:%a %b} {value.day}, {value:%H:%M} ({location.time_zone})"


def hold_request(hold: Appointment):
    """The conflict or same-day request a hold belongs to."""
    return hold.conflict if hold.conflict_id else hold.same_day_request


def hold_label(hold: Appointment) -> str:
    """ "conflict #12" / "same-day request #7": the request that holds the time."""
    return f"conflict #{hold.conflict_id}" if hold.conflict_id else f"same-day request #{hold.same_day_request_id}"


def describe_hold(hold: Appointment) -> str:
    """Why a time cannot be booked, naming the request that holds it (the 409's detail)."""
    request = hold_request(hold)
    state = {
        "pending": "waiting for the owner's answer",
        "approved": "approved by the owner, waiting for the agent's callback",
        "alternate_suggested": "the owner's alternate, waiting for the agent's callback",
    }.get(getattr(request, "status", ""), "")
    return (
        f"This time is held for {hold_label(hold)} of another lead{f' ({state})' if state else ''} until "
        f"{_describe_time(hold.hold_expires_at, hold.location)} at the latest: pick another time."
    )


def active_holds(*, location_id: int, start: datetime, end: datetime, now: datetime):
    """Unexpired holds of the Location overlapping [start, end)."""
    return Appointment.objects.filter(
        location_id=location_id, status=HELD, hold_expires_at__gt=now, start__lt=end, end__gt=start
    )


def refuse_if_held(*, location_id: int, lead_id: int, start: datetime, end: datetime, now: datetime) -> None:
    """Refused (409) naming the request when another lead's hold covers part of [start, end) —
    one query; the booking checks again under the Location lock (`claim_for_booking`)."""
    other = (
        active_holds(location_id=location_id, start=start, end=end, now=now)
        .exclude(lead_id=lead_id)
        .select_related("location", "conflict", "same_day_request")
        .order_by("start", "id")
        .first()
    )
    if other is not None:
        raise Refused(describe_hold(other))


def claim_for_booking(
    *, location_id: int, lead_id: int, start: datetime, end: datetime, now: datetime, exclude_id: int | None = None
) -> Appointment | None:
    """Under the Location lock, in the booking's transaction: expired holds in the way are
    released; another lead's hold refuses the booking (409 naming its request); the lead's own
    hold overlapping the time is returned locked, for the booking to convert (its other own holds
    there are released). Two or three queries."""
    Appointment.objects.filter(
        location_id=location_id, status=HELD, hold_expires_at__lte=now, start__lt=end, end__gt=start
    ).delete()
    holds = list(
        lock(
            active_holds(location_id=location_id, start=start, end=end, now=now).select_related(
                "location", "conflict", "same_day_request"
            )
        ).exclude(pk=exclude_id)
    )
    for hold in holds:
        if hold.lead_id != lead_id:
            raise Refused(describe_hold(hold))
    if not holds:
        return None
    own, *others = holds
    if others:
        Appointment.objects.filter(pk__in=[h.pk for h in others]).delete()
    return own


def _is_conflict(item) -> bool:
    """A conflict, not a same-day request: both are conflicts' rows, a layer up, told apart by
    their model so that calendars never imports conflicts."""
    return item._meta.model_name == "conflict"


def _expiry(item, start: datetime, now: datetime) -> datetime:
    if not _is_conflict(item):
        return start
    return min(start, now + timedelta(days=settings.HOLD_DAYS))


def _wanted(item) -> tuple[str, tuple[datetime, datetime, str] | None]:
    """What the request's state asks of its hold: ("place", interval), ("keep", None) or ("release", None)."""
    if item.status == "pending":
        return "place", (item.requested_start, item.requested_end, item.requested_meeting_type)
    if item.status == "approved":
        return "keep", None
    if _is_conflict(item) and item.status == "alternate_suggested" and item.alternate_start:
        end = item.alternate_end or item.alternate_start + (item.requested_end - item.requested_start)
        return "place", (item.alternate_start, end, item.alternate_meeting_type or item.requested_meeting_type)
    return "release", None


def hold_sync(item, *, now: datetime | None = None) -> Appointment | None:
    """Make the hold of a conflict or same-day request match its state (see the module
    docstring); returns the hold, if any. A time that cannot be held — booked, or held for
    another request — refuses a same-day request (Refused, 409) and leaves a conflict without a
    hold. Called inside the request's own transaction."""
    now = now or timezone.now()
    strict = not _is_conflict(item)

    def taken_by(message: str) -> None:
        if strict:
            raise Refused(message)
        if existing is not None:
            existing.delete()

    key = {"conflict": item} if _is_conflict(item) else {"same_day_request": item}
    action, interval = _wanted(item)
    with transaction.atomic():
        existing = lock(Appointment.objects.filter(status=HELD, **key)).first()
        if action == "keep":
            return existing
        if action == "release":
            if existing is not None:
                existing.delete()
            return None
        start, end, meeting_type = interval
        if start <= now:  # nothing left to hold
            if existing is not None:
                existing.delete()
            return None
        lock(Location.objects.filter(pk=item.location_id)).first()
        Appointment.objects.filter(
            location_id=item.location_id, status=HELD, hold_expires_at__lte=now, start__lt=end, end__gt=start
        ).delete()
        taken = (
            Appointment.objects.filter(
                location_id=item.location_id, status__in=[Appointment.Status.BOOKED, HELD], start__lt=end, end__gt=start
            )
            .exclude(pk=getattr(existing, "pk", None))
            .select_related("location", "conflict", "same_day_request")
            .order_by("start", "id")
            .first()
        )
        if taken is not None:
            if taken.is_held:
                taken_by(f"This time is already held for {hold_label(taken)}; choose another time.")
            else:
                taken_by("Another appointment is already booked at that time; choose another time.")
            return None
        hold = existing or Appointment(location_id=item.location_id, lead_id=item.lead_id, status=HELD, **key)
        hold.start, hold.end, hold.meeting_type = start, end, meeting_type
        hold.hold_expires_at = _expiry(item, start, now)
        hold.created_at = now
        try:
            with transaction.atomic():
                hold.save()
        except IntegrityError as error:  # a race past the check: the exclusion constraint answers
            if "appointment_no_overlap" not in str(error):
                raise
            taken_by("Another appointment is already booked or held at that time; choose another time.")
            return None
    return hold


def holds_release_expired(*, now: datetime | None = None) -> int:
    """The beat: release every hold whose expiry has passed; returns how many."""
    now = now or timezone.now()
    deleted, _ = Appointment.objects.filter(status=HELD, hold_expires_at__lte=now).delete()
    return deleted


def held_intervals_filter(now: datetime) -> Q:
    """Rows that keep a time from being offered: booked appointments and unexpired holds."""
    return Q(status=Appointment.Status.BOOKED) | Q(status=HELD, hold_expires_at__gt=now)
