"""How the console shows values an agent reads on the phone: numbers as `tel:` links with their
label, meeting types in words, statuses and reasons by their labels — never a stored code.

`{% load console %}` then `{% tel number "Back office" %}`, `{{ "client_home"|meeting_label }}`,
`{{ change.to_status|lead_status }}`, `{{ change.reason|lead_reason }}`.
"""

from __future__ import annotations

from django import template

from accounts.templatetags.portal_format import tel
from leads.models import Lead
from messaging.routing import STEP_TARGET_WORDS

register = template.Library()

# The console's words for the places a meeting happens (the wording, not the model's).
MEETING_LABELS = {
    "office": "In the office",
    "phone": "By phone",
    "client_home": "At the client's home",
    "video": "By video",
}
STATUS_LABELS = dict(Lead.Status.choices)
REASON_LABELS = dict(Lead.Reason.choices)
ACTOR_LABELS = {
    "system": "the system",
    "agent": "an agent",
    "staff": "staff",
    "owner": "the owner",
    "manager": "a manager",
}
STEP_TARGETS = STEP_TARGET_WORDS


@register.filter
def meeting_label(value) -> str:
    return MEETING_LABELS.get(str(value or ""), str(value or ""))


@register.filter
def lead_status(value) -> str:
    return STATUS_LABELS.get(value, value) if value else "New"


@register.filter
def lead_reason(value) -> str:
    return REASON_LABELS.get(value, value) if value else ""


@register.filter
def actor_label(value) -> str:
    return ACTOR_LABELS.get(value, value or "")


@register.filter
def step_target(value) -> str:
    return STEP_TARGETS.get(value, value or "")


# One `tel` for every page (accounts' portal_format); {% load console %} keeps offering it.
register.simple_tag(tel, name="tel")
