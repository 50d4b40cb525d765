"""The lead workspace: one screen from the caller's facts to a confirmed booking."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.decorators import agent_view
from leads.models import Lead

from ..workspace import workspace_context
from .common import lead_or_404

CURRENT_LEAD = "agent_current_lead"  # the console nav's "current lead" (per session)


def remember_current_lead(request, lead: Lead) -> None:
    current = {"id": lead.pk, "name": lead.full_name or "Lead"}
    if request.session.get(CURRENT_LEAD) != current:
        request.session[CURRENT_LEAD] = current


def render_workspace(request, lead: Lead, *, forms: dict | None = None, error: str = "", status: int = 200):
    """The workspace page; a failed action re-renders it with its panel open and the reason."""
    context = workspace_context(request, lead, forms=forms, error=error)
    template = "agents/lead.html#slots" if request.htmx and request.htmx.target == "slots" else "agents/lead.html"
    return render(request, template, context, status=status)


@agent_view
@require_GET
def lead_workspace(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = lead_or_404(request, lead_id)
    remember_current_lead(request, lead)
    return render_workspace(request, lead)
