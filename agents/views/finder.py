"""Finding the Location for a call, and its card: the routing decision first, then what the agent
needs to say and dial, and the caller's lead (found or created)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect

from accounts.decorators import agent_view
from accounts.models import Location
from messaging.routing import route_call_for_location

from .. import selectors
from ..forms import CallFactsForm, LeadForm, LocationSearchForm
from .common import location_or_404


@agent_view
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Find the Location for a call: the number called, a postal code, a brand or a name. A
    number called that matches one Location opens its card at once."""
    form = LocationSearchForm(request.GET or None, brands=selectors.brands_for(request.user))
    matches = []
    if form.is_bound and form.is_valid():
        brand = form.cleaned_data["brand"]
        matches = selectors.location_search(
            user=request.user, q=form.cleaned_data["q"], brand_id=brand.pk if brand else None
        )
        if len(matches) == 1 and matches[0].matched == "number":
            url = reverse("agent_location", args=[matches[0].location.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    template = "agents/home.html#results" if request.htmx else "agents/home.html"
    return render(request, template, {"form": form, "matches": matches})


def _routing(location: Location, form: CallFactsForm, now):
    """The routing decision (messaging's pure rules) for the ticked facts at `at` (default now)."""
    if form.is_bound:
        if not form.is_valid():
            return None
        return route_call_for_location(location=location, at=form.cleaned_data["at"], **form.caller_facts())
    defaults = {name: form.fields[name].initial or False for name in CallFactsForm.FACTS}
    return route_call_for_location(location=location, at=now, **defaults)


def lead_form_for(location: Location, data=None) -> LeadForm:
    services = list(location.brand.services.order_by("name"))
    return LeadForm(data, location=location, services=services)


@agent_view
@require_GET
def location_card(request: HttpRequest, location_id: int) -> HttpResponse:
    """The Location card; the routing part is re-rendered by HTMX as the agent ticks the facts."""
    location = location_or_404(request, location_id)
    now = timezone.now()
    facts = CallFactsForm(request.GET if "at" in request.GET else None, location=location, now=now)
    decision = _routing(location, facts, now)
    context = {"location": location, "facts": facts, "decision": decision}
    if request.htmx and request.htmx.target == "routing":
        return render(request, "agents/location.html#routing", context)
    local_now = now.astimezone(location.zone)
    lead_q = request.GET.get("lead_q", "")
    context.update(
        local_now=local_now,
        open_state=selectors.open_state(location, local_now),
        catalog=selectors.location_catalog(location),
        lead_form=lead_form_for(location),
        lead_q=lead_q,
        leads=selectors.leads_at_location(location=location, q=lead_q),
    )
    if request.htmx and request.htmx.target == "lead-results":
        return render(request, "agents/location.html#lead_results", context)
    return render(request, "agents/location.html", context)
