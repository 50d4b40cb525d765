"""How the console shows values an agent reads on the phone: numbers as `tel:` links with their
label, meeting types in words, statuses and reasons by their labels — never a stored code.

`{% load console %}` then `{% tel number "Back office" %}`, `{{ "client_home"|meeting_label }}`,
`{{ change.to_status|lead_status }}`, `{{ change.reason|lead_reason }}`.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from accounts.normalize import format_phone
from leads.models import Lead

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
STEP_TARGETS = {
    "back_office": "Back office",
    "after_hours": "After hours",
    "mobile": "Mobile",
    "call_center_manager": "Call center manager",
    "owner": "Owner's own phone",
    "location": "The Location",
}


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
