"""Lead codes in words for the portal: `{{ code|lead_status }}`, `{{ code|lead_reason }}`."""

from __future__ import annotations

from django import template

from leads.models import Lead

register = template.Library()
_STATUSES = dict(Lead.Status.choices)
_REASONS = dict(Lead.Reason.choices)
_SOURCES = dict(Lead.Source.choices)


@register.filter
def lead_status(value: str) -> str:
    """ "owner_action" → "Owner action"; unknown values as they are."""
    return _STATUSES.get(value, value)


@register.filter
def lead_reason(value: str) -> str:
    """ "transferred" → "Transferred to the owner"; free-text reasons as they are."""
    return _REASONS.get(value, value)


@register.filter
def lead_source(value: str) -> str:
    """ "api" → "API", "sms" → "SMS"."""
    return _SOURCES.get(value, value)
