"""Template tags other pages use to include calendar pieces (dashboard banner, lead page)."""

from __future__ import annotations

from django import template
from django.utils import timezone

from accounts.models import Location
from accounts.permissions import Action, can, location_ids_where
from accounts.templatetags.portal_format import in_zone

from .. import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def insufficient_calendars(context, location=None) -> list[tuple[Location, float]]:
    """[(location, hours)] of the per-appointment Locations the user owns or manages (or just
    `location`) whose next 14 days offer fewer bookable hours than CALENDAR_SUFFICIENT_HOURS."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    managed = Location.objects.filter(id__in=location_ids_where(request.user, Action.EDIT_AVAILABILITY))
    if getattr(location, "pk", None):
        managed = managed.filter(pk=location.pk)
    found = selectors.insufficient_locations(managed)
    return [(loc, hours) for loc, hours in found]


@register.simple_tag(takes_context=True)
def lead_appointments(context, lead):
    """A lead's appointments and whether the user may change them (lead page partial)."""
    request = context.get("request")
    can_edit = bool(
        request is not None and lead.location_id and can(request.user, Action.CHANGE_APPOINTMENT, lead.location)
    )
    return {"appointments": selectors.appointments_for_lead(lead), "can_edit": can_edit, "now": timezone.now()}


@register.filter
def local_to(moment, location):
    """A UTC datetime in a Location's zone (a stored value the zone cannot hold: as it is)."""

    return in_zone(moment, location.zone) if moment and location else moment


@register.simple_tag
def sufficient_hours() -> int:
    from django.conf import settings

    return settings.CALENDAR_SUFFICIENT_HOURS


@register.simple_tag
def slot_hold(item):
    """The unexpired slot hold of a conflict or same-day request (its page says until when the
    time is kept), or None — one query."""
    from ..models import Appointment

    obj = getattr(item, "obj", item)
    # conflicts' rows (a layer up) told apart by model: calendars never imports conflicts
    key = {"conflict_id": obj.pk} if obj._meta.model_name == "conflict" else {"same_day_request_id": obj.pk}
    return (
        Appointment.objects.filter(status=Appointment.Status.HELD, hold_expires_at__gt=timezone.now(), **key)
        .select_related("location")
        .first()
    )
