"""Template filters and settings for calendar pieces other pages include (dashboard banner, lead
page). No queries here: a page's data comes from its view (calendars.selectors)."""

from __future__ import annotations

from django import template
from django.conf import settings

from accounts.templatetags.portal_format import in_zone

register = template.Library()


@register.filter
def local_to(moment, location):
    """A UTC datetime in a Location's zone (a stored value the zone cannot hold: as it is)."""

    return in_zone(moment, location.zone) if moment and location else moment


@register.simple_tag
def sufficient_hours() -> int:
    return settings.CALENDAR_SUFFICIENT_HOURS
