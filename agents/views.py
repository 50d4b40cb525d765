"""The agent console: from a ringing phone to a booked appointment, a raised conflict or a taken
message. Every view is `agent_view` (owners, managers, viewers and brand users get 403 before any
lookup); every write calls the owning capability's service — the console adds no rules. Forms that
create a row carry a one-time token (`once_per_form_token`): a double submit creates one row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.decorators import agent_view
from accounts.models import Location
from calendars.selectors import slots_for_location
from calendars.services import appointment_book
from conflicts.models import Callback, SameDayRequest
from conflicts.selectors import open_callbacks
from conflicts.services import CALLBACK_OUTCOMES, callback_close, conflict_raise, same_day_raise, same_day_respond
from leads.models import CallTask, Lead
from leads.selectors import call_queue
from leads.services import (
    actor_kind_for,
    allowed_transitions,
    call_task_record_outcome,
    find_open_duplicate,
    lead_capture,
    lead_conversion_blocker,
    lead_set_status,
)
from messaging.routing import PERIOD_WORDS, period_of, route_call_for_location
from messaging.services import office_message_create, send_lead_sms
from pronexis.errors import Refused
from pronexis.idempotency import once_per_form_token
from pronexis.web import error_text, safe_next

from . import selectors
from .forms import (
    BookForm,
    CallbackCloseForm,
    CallFactsForm,
    CallOutcomeForm,
    ConflictForm,
    LeadForm,
    LeadStatusForm,
    LocationSearchForm,
    OfficeMessageForm,
    SameDayAnswerForm,
    SameDayForm,
    SlotSearchForm,
    SmsForm,
)

QUEUE_LIMIT = 100
SLOT_ROWS = 40
STATUS_LABELS = dict(Lead.Status.choices)
REASON_LABELS = dict(Lead.Reason.choices)


# --- scoped fetches (agents see every Location; the scope still decides) ----------------------
def _location(request, location_id: int) -> Location:
    return get_object_or_404(Location.objects.visible_to(request.user).select_related("brand"), pk=location_id)


def _lead(request, lead_id: int) -> Lead:
    queryset = Lead.objects.visible_to(request.user).select_related("location__brand", "brand")
    return get_object_or_404(queryset, pk=lead_id)


# --- finding the Location ------------------------------------------------------------------
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


def _routing(location: Location, form: CallFactsForm, now: dt.datetime):
    """The routing decision (messaging's pure rules) for the ticked facts at `at` (default now)."""
    if form.is_bound:
        if not form.is_valid():
            return None
        return route_call_for_location(location=location, at=form.cleaned_data["at"], **form.caller_facts())
    defaults = {name: form.fields[name].initial or False for name in CallFactsForm.FACTS}
    return route_call_for_location(location=location, at=now, **defaults)


@agent_view
@require_GET
def location_card(request: HttpRequest, location_id: int) -> HttpResponse:
    """The Location card; the routing part is re-rendered by HTMX as the agent ticks the facts."""
    location = _location(request, location_id)
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
        period=period_of(local_now),
        period_words=PERIOD_WORDS[period_of(local_now)],
        catalog=selectors.location_catalog(location),
        lead_form=_lead_form(request, location),
        lead_q=lead_q,
        leads=selectors.leads_at_location(location=location, q=lead_q),
        meeting_type_labels=[label for value, label in Location.MeetingType.choices if value in location.meeting_types],
    )
    if request.htmx and request.htmx.target == "lead-results":
        return render(request, "agents/location.html#lead_results", context)
    return render(request, "agents/location.html", context)


# --- leads -----------------------------------------------------------------------------------
def _lead_form(request, location: Location, data=None) -> LeadForm:
    services = list(location.brand.services.order_by("name"))
    return LeadForm(data, location=location, services=services)


@agent_view
@require_http_methods(["GET", "POST"])
@once_per_form_token
def lead_create(request: HttpRequest, location_id: int) -> HttpResponse:
    """Create the caller's lead at this Location (leads' capture: duplicates, services, areas).
    An open duplicate is shown first; creating anyway records it as a duplicate."""
    location = _location(request, location_id)
    form = _lead_form(request, location, request.POST if request.method == "POST" else None)
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
    capture = {
        key: data[key] for key in ("first_name", "last_name", "phone", "email", "address", "postal_code", "notes")
    }
    capture.update(service=data["service"], brand=location.brand, location=location, source=Lead.Source.PHONE)
    capture.update(external_id="", test=False)
    lead, _ = lead_capture(data=capture, actor=request.user)
    messages.success(request, f"Lead created: {STATUS_LABELS[lead.status]}.")
    return redirect("agent_lead", lead.pk)


@agent_view
@require_GET
def lead_duplicate_check(request: HttpRequest, location_id: int) -> HttpResponse:
    """HTMX, as the phone (or e-mail) is typed: the open lead it would duplicate, if any."""
    location = _location(request, location_id)
    phone = selectors._as_phone(request.GET.get("phone", ""))
    email = request.GET.get("email", "").strip().lower()
    duplicate = find_open_duplicate(location=location, phone=phone, email=email if "@" in email else "")
    return render(request, "agents/_duplicate.html", {"duplicate": duplicate, "location": location})


@dataclass
class SlotRow:
    """Free slots starting at one time: one booking button per meeting type."""

    start: dt.datetime
    needs_owner_approval: bool
    meeting_types: list[str]


def _slot_rows(slots) -> list[SlotRow]:
    rows: dict[dt.datetime, SlotRow] = {}
    for slot in sorted(slots, key=lambda s: (s.start, s.meeting_type)):
        row = rows.setdefault(slot.start, SlotRow(slot.start, slot.needs_owner_approval, []))
        row.meeting_types.append(slot.meeting_type)
    return list(rows.values())


def _workspace(request, lead: Lead, *, forms: dict | None = None, error: str = "", status: int = 200):
    """The lead workspace page; a failed action re-renders it with its form and the reason."""
    location = lead.location
    now = timezone.now()
    actor_kind = actor_kind_for(request.user, location)
    transitions = [
        {
            "status": to,
            "reason": reason or "",
            "label": STATUS_LABELS[to] + (f" — {REASON_LABELS.get(reason, reason)}" if reason else ""),
        }
        for to, reason in allowed_transitions(from_status=lead.status, actor_kind=actor_kind)
        if to != Lead.Status.CONVERTED  # only a booking converts (the system transition)
    ]
    workspace = selectors.lead_workspace(lead=lead)
    context = {"lead": lead, "location": location, "workspace": workspace, "transitions": transitions, "error": error}
    forms = forms or {}
    if location is not None:
        local_now = now.astimezone(location.zone)
        slot_form = SlotSearchForm(
            request.GET if "slot_from" in request.GET else None, location=location, today=local_now.date()
        )
        slots = []
        if location.takes_bookings:
            if slot_form.is_bound and slot_form.is_valid():
                start, end = slot_form.range()
                slots = slots_for_location(
                    location=location, start=start, end=end, meeting_type=slot_form.cleaned_data["slot_type"] or None
                )
            elif not slot_form.is_bound:
                start = dt.datetime.combine(local_now.date(), dt.time(0), tzinfo=location.zone)
                slots = slots_for_location(location=location, start=start, end=start + dt.timedelta(days=7))
        rows = _slot_rows(slots)
        context.update(
            local_now=local_now,
            slot_form=slot_form,
            slots=slots,
            slot_rows=rows[:SLOT_ROWS],
            more_slots=len(rows) > SLOT_ROWS,
            book_form=forms.get("book") or BookForm(location=location, approvals=workspace.approvals),
            conflict_form=forms.get("conflict") or ConflictForm(location=location),
            same_day_form=forms.get("same_day") or SameDayForm(location=location),
            # Offered only when the owner could approve it (conflicts' same_day_blocker, seed 000).
            same_day_blocker=lead_conversion_blocker(lead),
            sms_form=forms.get("sms") or SmsForm(),
            message_form=forms.get("message")
            or OfficeMessageForm(
                initial={
                    "caller_name": lead.full_name,
                    "callback_number": lead.phone,
                    "category": "lead",
                    "lead": lead.pk,
                }
            ),
            answer_form=SameDayAnswerForm(),
        )
    if request.htmx and request.htmx.target == "slots":
        return render(request, "agents/lead.html#slots", context, status=status)
    return render(request, "agents/lead.html", context, status=status)


@agent_view
@require_GET
def lead_workspace(request: HttpRequest, lead_id: int) -> HttpResponse:
    return _workspace(request, _lead(request, lead_id))


def _done(request, lead: Lead, text: str, anchor: str = "") -> HttpResponse:
    messages.success(request, text)
    return redirect(reverse("agent_lead", args=[lead.pk]) + (f"#{anchor}" if anchor else ""))


@agent_view
@require_POST
def lead_status(request: HttpRequest, lead_id: int) -> HttpResponse:
    """A status change through leads' transition table, as an agent."""
    lead = _lead(request, lead_id)
    form = LeadStatusForm(request.POST)
    if not form.is_valid():
        return _workspace(request, lead, error="Choose a status.", status=400)
    try:
        lead_set_status(
            lead=lead,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            actor=request.user,
            actor_kind=actor_kind_for(request.user, lead.location),
        )
    except Refused as error:
        return _workspace(request, lead, error=str(error), status=409)
    except ValidationError as error:
        return _workspace(request, lead, error=error_text(error), status=400)
    return _done(request, lead, f"Status set to {STATUS_LABELS[lead.status]}.")


def _needs_location(request, lead: Lead):
    if lead.location is None:
        return _workspace(request, lead, error="This lead belongs to no Location.", status=400)
    return None


def _form_action(request, lead: Lead, *, key: str, form, action, invalid: str) -> HttpResponse:
    """One workspace form: the owning service runs only on valid input; field errors answer 400
    with the form, a rule's refusal 409 with its reason, success goes back to the workspace.
    `action(form)` calls the service and returns (done message, anchor)."""
    if form.is_valid():
        try:
            text, anchor = action(form)
        except Refused as error:
            form.add_error(None, str(error))
            return _workspace(request, lead, forms={key: form}, error=str(error), status=409)
        except ValidationError as error:
            form.add_service_errors(error)
            invalid = error_text(error)
        else:
            return _done(request, lead, text, anchor)
    return _workspace(request, lead, forms={key: form}, error=invalid, status=400)


@agent_view
@require_POST
@once_per_form_token
def lead_book(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Book a slot (or a time the owner approved) through calendars' appointment_book."""
    lead = _lead(request, lead_id)
    if refused := _needs_location(request, lead):
        return refused
    approvals = selectors.lead_workspace(lead=lead).approvals

    def book(form):
        appointment = appointment_book(lead=lead, booked_by=request.user, **form.booking())
        local = appointment.start.astimezone(lead.location.zone)
        forced = " (force booked with the owner's approval)" if appointment.forced else ""
        return f"Booked {local:%a %b %d, %H:%M} {lead.location.time_zone}{forced}.", "appointments"

    form = BookForm(request.POST, location=lead.location, approvals=approvals)
    return _form_action(request, lead, key="book", form=form, action=book, invalid="Check the booking.")


@agent_view
@require_POST
@once_per_form_token
def lead_conflict(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Raise a schedule or location conflict (conflicts' conflict_raise)."""
    lead = _lead(request, lead_id)
    if refused := _needs_location(request, lead):
        return refused

    def raise_conflict(form):
        conflict = conflict_raise(lead=lead, raised_by=request.user, **form.conflict())
        return f"Conflict #{conflict.pk} raised: the owner is asked.", "conflicts"

    form = ConflictForm(request.POST, location=lead.location)
    return _form_action(request, lead, key="conflict", form=form, action=raise_conflict, invalid="Check the conflict.")


@agent_view
@require_POST
@once_per_form_token
def lead_same_day(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Ask the owner's approval for a start within 24 h (conflicts' same_day_raise)."""
    lead = _lead(request, lead_id)
    if refused := _needs_location(request, lead):
        return refused

    def ask(form):
        same_day = same_day_raise(lead=lead, raised_by=request.user, **form.request())
        return f"Same-day request #{same_day.pk} sent to the owner.", "conflicts"

    form = SameDayForm(request.POST, location=lead.location)
    return _form_action(request, lead, key="same_day", form=form, action=ask, invalid="Check the same-day request.")


@agent_view
@require_POST
def same_day_answer(request: HttpRequest, same_day_id: int) -> HttpResponse:
    """Record the answer the owner gave by phone (same_day_respond, channel `phone`)."""
    same_day = get_object_or_404(SameDayRequest.objects.visible_to(request.user).select_related("lead"), pk=same_day_id)
    lead = _lead(request, same_day.lead_id)
    form = SameDayAnswerForm(request.POST)
    if not form.is_valid():
        return _workspace(request, lead, error="Choose approve or decline.", status=400)
    try:
        same_day_respond(
            request=same_day,
            actor=request.user,
            decision=form.cleaned_data["decision"],
            notes=form.cleaned_data["notes"],
            channel=SameDayRequest.Channel.PHONE,
        )
    except Refused as error:
        return _workspace(request, lead, error=str(error), status=409)
    except ValidationError as error:
        return _workspace(request, lead, error=error_text(error), status=400)
    return _done(request, lead, "The owner's answer is recorded.", "conflicts")


@agent_view
@require_POST
@once_per_form_token
def lead_sms(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Text the lead in its thread (messaging's send_lead_sms: STOP honoured, no card numbers)."""
    lead = _lead(request, lead_id)
    if refused := _needs_location(request, lead):
        return refused
    form = SmsForm(request.POST)
    if form.is_valid():
        try:
            message = send_lead_sms(lead=lead, body=form.cleaned_data["body"], sent_by=request.user)
        except Refused as error:
            return _workspace(request, lead, forms={"sms": form}, error=str(error), status=409)
        except ValidationError as error:
            form.add_error(
                "body",
                error.message_dict.get("body", error.messages) if hasattr(error, "error_dict") else error.messages,
            )
        else:
            status = message.notification.status if message and message.notification_id else ""
            note = " It was not sent: the lead texted STOP." if status == "suppressed" else ""
            return _done(request, lead, "Text queued." if not note else "Text recorded." + note, "sms")
    return _workspace(request, lead, forms={"sms": form}, error="The text was not sent.", status=400)


# --- office messages -------------------------------------------------------------------------
@agent_view
@require_http_methods(["GET", "POST"])
@once_per_form_token
def message_create(request: HttpRequest, location_id: int) -> HttpResponse:
    """Take an office message (messaging's office_message_create; a lead's → owner_action)."""
    location = _location(request, location_id)
    lead_id = request.POST.get("lead") or request.GET.get("lead")
    lead = selectors.lead_of_location(location=location, lead_id=lead_id if str(lead_id or "").isdecimal() else None)
    initial = (
        {"lead": lead.pk, "caller_name": lead.full_name, "callback_number": lead.phone, "category": "lead"}
        if lead
        else {}
    )
    form = OfficeMessageForm(request.POST if request.method == "POST" else None, initial=initial)
    context = {"location": location, "form": form, "lead": lead}
    if request.method == "GET":
        return render(request, "agents/message_new.html", context)
    if form.is_valid():
        data = form.cleaned_data
        try:
            message = office_message_create(
                location=location,
                taken_by=request.user,
                caller_name=data["caller_name"],
                callback_number=data["callback_number"],
                category=data["category"],
                urgent=data["urgent"],
                body=data["body"],
                lead=lead,
            )
        except (Refused, ValidationError) as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, f"Message #{message.pk} taken and sent to {location.name}.")
            if lead is not None:
                return redirect("agent_lead", lead.pk)
            return redirect("agent_location", location.pk)
    return render(request, "agents/message_new.html", context, status=400)


# --- queues ----------------------------------------------------------------------------------
def _location_filter(request) -> int | None:
    value = request.GET.get("location", "")
    return int(value) if value.isdecimal() else None


def _queue_locations(request):
    return list(Location.objects.visible_to(request.user).only("id", "name").order_by("name")[:500])


def _back(request, default: str) -> HttpResponse:
    return redirect(safe_next(request, default, within="/agent/"))


def _callbacks_page(request, *, error: str = "", status: int = 200) -> HttpResponse:
    location_id = _location_filter(request)
    rows = list(open_callbacks(user=request.user, location_id=location_id)[:QUEUE_LIMIT])
    items = [
        {"callback": c, "form": CallbackCloseForm(outcomes=CALLBACK_OUTCOMES[c.reason], auto_id=f"cb{c.pk}_%s")}
        for c in rows
    ]
    context = {
        "items": items,
        "locations": _queue_locations(request),
        "location_id": location_id,
        "error": error,
        "limit": QUEUE_LIMIT,
    }
    return render(request, "agents/callbacks.html", context, status=status)


@agent_view
@require_GET
def callback_queue(request: HttpRequest) -> HttpResponse:
    """What owners answered, oldest first, per Location (`?location=`) or across all."""
    return _callbacks_page(request)


@agent_view
@require_POST
def callback_close_view(request: HttpRequest, callback_id: int) -> HttpResponse:
    """Close a callback with its outcome (conflicts' callback_close closes the item too)."""
    callback = get_object_or_404(Callback.objects.visible_to(request.user), pk=callback_id)
    form = CallbackCloseForm(request.POST, outcomes=CALLBACK_OUTCOMES[callback.reason])
    if not form.is_valid():
        return _callbacks_page(request, error="Choose an outcome for this callback.", status=400)
    try:
        callback_close(callback=callback, actor=request.user, **form.cleaned_data)
    except Refused as error:
        return _callbacks_page(request, error=str(error), status=409)
    except ValidationError as error:
        return _callbacks_page(request, error=error_text(error), status=400)
    messages.success(request, f"Callback #{callback.pk} closed.")
    return _back(request, reverse("agent_callbacks"))


def _calls_page(request, *, error: str = "", status: int = 200) -> HttpResponse:
    location_id = _location_filter(request)
    queue = call_queue(user=request.user)
    if location_id:
        queue = queue.filter(location_id=location_id)
    rows = list(queue[:QUEUE_LIMIT])
    items = [
        {"task": task, "form": CallOutcomeForm(location=task.location, auto_id=f"ct{task.pk}_%s")} for task in rows
    ]
    context = {
        "items": items,
        "locations": _queue_locations(request),
        "location_id": location_id,
        "error": error,
        "limit": QUEUE_LIMIT,
    }
    return render(request, "agents/calls.html", context, status=status)


@agent_view
@require_GET
def call_queue_page(request: HttpRequest) -> HttpResponse:
    """The contact sequence's call queue, due first, per Location or across all."""
    return _calls_page(request)


@agent_view
@require_POST
def call_outcome(request: HttpRequest, call_task_id: int) -> HttpResponse:
    """Record a call attempt's outcome (leads' call_task_record_outcome)."""
    task = get_object_or_404(CallTask.objects.visible_to(request.user).select_related("location"), pk=call_task_id)
    form = CallOutcomeForm(request.POST, location=task.location)
    if not form.is_valid():
        return _calls_page(request, error="Choose an outcome (and a callback time for “call back at”).", status=400)
    try:
        call_task_record_outcome(
            task=task,
            outcome=form.cleaned_data["outcome"],
            callback_at=form.cleaned_data["callback_at"],
            agent=request.user,
        )
    except Refused as error:
        return _calls_page(request, error=str(error), status=409)
    except ValidationError as error:
        return _calls_page(request, error=error_text(error), status=400)
    messages.success(request, "Outcome recorded.")
    return _back(request, reverse("agent_calls"))
