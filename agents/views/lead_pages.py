"""Creating the caller's lead at a Location, and taking an office message."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import agent_view
from leads.capture import find_open_duplicate, lead_capture
from leads.models import Lead
from messaging.services import office_message_create
from pronexis.errors import Refused
from pronexis.idempotency import once_per_form_token
from pronexis.web import error_text

from .. import selectors
from ..forms import OfficeMessageForm
from ..templatetags.console import STATUS_LABELS
from .common import location_or_404
from .finder import lead_form_for

CAPTURED = ("first_name", "last_name", "phone", "email", "address", "postal_code", "notes")


@agent_view
@require_http_methods(["GET", "POST"])
@once_per_form_token
def lead_create(request: HttpRequest, location_id: int) -> HttpResponse:
    """Create the caller's lead at this Location (leads' capture: duplicates, services, areas).
    An open duplicate is shown first; creating anyway records it as a duplicate."""
    location = location_or_404(request, location_id)
    form = lead_form_for(location, request.POST if request.method == "POST" else None)
    context = {"location": location, "form": form, "duplicate": None}
    if request.method == "GET":
        return render(request, "agents/lead_new.html", context)
    if not form.is_valid():
        return render(request, "agents/lead_new.html", context, status=400)
    data = form.cleaned_data
    duplicate = find_open_duplicate(location=location, phone=data["phone"], email=data["email"])
    if duplicate is not None and not data["create_anyway"]:
        context["duplicate"] = duplicate
        return render(request, "agents/lead_new.html", context, status=409)
    capture = {key: data[key] for key in CAPTURED}
    capture.update(service=data["service"], brand=location.brand, location=location, source=Lead.Source.PHONE)
    capture.update(external_id="", test=False)
    lead, _ = lead_capture(data=capture, actor=request.user)
    messages.success(request, f"Lead created: {STATUS_LABELS[lead.status]}.")
    return redirect("agent_lead", lead.pk)


@agent_view
@require_GET
def lead_duplicate_check(request: HttpRequest, location_id: int) -> HttpResponse:
    """HTMX, as the phone (or e-mail) is typed: the open lead it would duplicate, if any."""
    location = location_or_404(request, location_id)
    phone = selectors._as_phone(request.GET.get("phone", ""))
    email = request.GET.get("email", "").strip().lower()
    duplicate = find_open_duplicate(location=location, phone=phone, email=email if "@" in email else "")
    return render(request, "agents/_duplicate.html", {"duplicate": duplicate, "location": location})


@agent_view
@require_http_methods(["GET", "POST"])
@once_per_form_token
def message_create(request: HttpRequest, location_id: int) -> HttpResponse:
    """Take an office message (messaging's office_message_create; a lead's → owner_action)."""
    location = location_or_404(request, location_id)
    lead_id = request.POST.get("lead") or request.GET.get("lead")
    lead = selectors.lead_of_location(location=location, lead_id=lead_id if str(lead_id or "").isdecimal() else None)
    form = OfficeMessageForm.about(lead, request.POST if request.method == "POST" else None)
    context = {"location": location, "form": form, "lead": lead}
    if request.method == "GET":
        return render(request, "agents/message_new.html", context)
    if form.is_valid():
        try:
            message = office_message_create(location=location, actor=request.user, lead=lead, **form.message())
        except (Refused, ValidationError) as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, f"Message #{message.pk} taken and sent to {location.name}.")
            return redirect("agent_lead", lead.pk) if lead is not None else redirect("agent_location", location.pk)
    return render(request, "agents/message_new.html", context, status=400)
