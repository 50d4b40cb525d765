"""Extra sections of the lead page, contributed by other capabilities.

Calendars (appointments), conflicts, messaging (messages, SMS, deliveries) add their part of
the lead's page without editing leads/: in their AppConfig.ready() (or at import of a module
loaded at start-up) call

    from leads.sections import register_lead_section
    register_lead_section("calendars/lead_appointments.html", context=lambda request, lead: {...}, order=10)

The template is included on /leads/<id>/ with `lead`, `request` and the dict `context` returns.
Keep each section to a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe


@dataclass(frozen=True)
class LeadSection:
    template: str
    context: Callable | None
    order: int


_SECTIONS: dict[str, LeadSection] = {}


def register_lead_section(template: str, *, context: Callable | None = None, order: int = 100) -> None:
    """Adds (or replaces, by template name) a section of the lead page."""
    _SECTIONS[template] = LeadSection(template=template, context=context, order=order)


def render_sections(request, lead) -> list[str]:
    out = []
    for section in sorted(_SECTIONS.values(), key=lambda s: (s.order, s.template)):
        extra = section.context(request, lead) if section.context else {}
        out.append(mark_safe(render_to_string(section.template, {"lead": lead, **extra}, request=request)))
    return out
