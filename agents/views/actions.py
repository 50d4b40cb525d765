"""What the lead workspace posts. Each calls the owning capability's service: field errors
answer 400 with the panel open, a rule's refusal 409 with its reason, success goes back to the
workspace. A start within 24 hours is never refused for want of approval: it becomes a
same-day request and the agent calls the owner (seed 000)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.decorators import agent_view
from calendars.services import appointment_book
from conflicts.callbacks import SAME_DAY_HORIZON
from conflicts.models import SameDayRequest
from conflicts.same_day import same_day_raise, same_day_respond
from conflicts.services import conflict_raise
from leads.services import actor_kind_for, lead_set_status
from messaging.services import lead_no_texts_record, send_lead_sms
from pronexis.errors import Refused
from pronexis.idempotency import once_per_form_token
from pronexis.web import error_text

from .. import selectors
from ..forms import BookForm, ConflictForm, LeadStatusForm, NoTextsForm, SameDayAnswerForm, SameDayForm, SmsForm
from ..templatetags.console import MEETING_LABELS, STATUS_LABELS
from .common import back_to_lead, lead_or_404
from .workspace import render_workspace

_API_PATH = re.compile(r"\s*\((?:[A-Z]+ )?/api/[^)]*\)")


def agent_text(error: Exception) -> str:
    """A service's reason in the agent's words: an API path meant for integrations is dropped."""
    return _API_PATH.sub("", error_text(error))


def _run(request, lead, *, key: str, form, action, invalid: str) -> HttpResponse:
    """One workspace form; `action(form)` calls the service and returns (done message, anchor)."""
    if form.is_valid():
        try:
            text, anchor = action(form)
        except Refused as error:
            form.add_error(None, agent_text(error))
            return render_workspace(request, lead, forms={key: form}, error=agent_text(error), status=409)
        except ValidationError as error:
            form.add_service_errors(error)
            invalid = agent_text(error)
        else:
            return back_to_lead(request, lead, text, anchor)
    return render_workspace(request, lead, forms={key: form}, error=invalid, status=400)


def _needs_location(request, lead):
    if lead.location is None:
        return render_workspace(request, lead, error="This lead belongs to no Location.", status=400)
    return None


def _panel(request, lead_id: int, *, key: str, form, action, invalid: str) -> HttpResponse:
    """A workspace panel of a lead that needs its Location: `form(lead)` binds the panel's
    form, `action(lead, form)` calls the service (see `_run`)."""
    lead = lead_or_404(request, lead_id)
    if refused := _needs_location(request, lead):
        return refused
    return _run(request, lead, key=key, form=form(lead), action=lambda bound: action(lead, bound), invalid=invalid)


def _answer(request, lead, service, *, done) -> HttpResponse:
    """A workspace action without a panel: a rule's refusal 409, invalid input 400, else back to
    the lead saying `done(result)`."""
    try:
        result = service()
    except Refused as error:
        return render_workspace(request, lead, error=agent_text(error), status=409)
    except ValidationError as error:
        return render_workspace(request, lead, error=agent_text(error), status=400)
    return back_to_lead(request, lead, done(result))


@agent_view
@require_POST
def lead_status(request: HttpRequest, lead_id: int) -> HttpResponse:
    """A status change through leads' transition table, as an agent."""
    lead = lead_or_404(request, lead_id)
    form = LeadStatusForm(request.POST)
    if not form.is_valid():
        return render_workspace(request, lead, error="Choose a status.", status=400)

    def set_status():
        kind = actor_kind_for(request.user, lead.location)
        lead_set_status(lead=lead, actor=request.user, actor_kind=kind, **form.cleaned_data)

    return _answer(request, lead, set_status, done=lambda _: f"Status set to {STATUS_LABELS[lead.status]}.")


def _ask_owner(request, lead, data: dict) -> tuple[str, str]:
    same_day_raise(lead=lead, actor=request.user, **data)
    return "Same-day request sent. Call the owner now and record the answer.", ""


@agent_view
@require_POST
@once_per_form_token
def lead_book(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Book the confirmed slot (calendars' appointment_book); within 24 h without the owner's
    approval it is asked for instead (a same-day request), never refused."""

    def book(lead, form):
        booking = form.booking()
        approved = booking["conflict"] or booking["same_day_request"]
        if not approved and booking["start"] - timezone.now() < SAME_DAY_HORIZON:
            asked = {"requested_start": booking["start"], "requested_end": booking["end"]}
            return _ask_owner(request, lead, {**asked, "requested_meeting_type": booking["meeting_type"]})
        appointment = appointment_book(lead=lead, booked_by=request.user, **booking)
        local = appointment.start.astimezone(lead.location.zone)
        forced = " (force booked with the owner's approval)" if appointment.forced else ""
        label = MEETING_LABELS.get(appointment.meeting_type, "").lower()
        return f"Booked {local:%A %B} {local.day}, {local:%H:%M}, {label}{forced}.", ""

    def bound(lead):
        return BookForm(request.POST, location=lead.location, approvals=selectors.lead_workspace(lead=lead).approvals)

    return _panel(request, lead_id, key="book", form=bound, action=book, invalid="Check the booking.")


@agent_view
@require_POST
@once_per_form_token
def lead_conflict(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Raise a schedule or location conflict (conflicts' conflict_raise)."""

    def raise_conflict(lead, form):
        conflict = conflict_raise(lead=lead, actor=request.user, **form.conflict())
        return f"Conflict #{conflict.pk} raised: the owner is asked.", ""

    def bound(lead):
        return ConflictForm(request.POST, location=lead.location)

    return _panel(request, lead_id, key="conflict", form=bound, action=raise_conflict, invalid="Check the conflict.")


@agent_view
@require_POST
@once_per_form_token
def lead_same_day(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Ask the owner's approval for a start within 24 h (conflicts' same_day_raise)."""

    def bound(lead):
        return SameDayForm(request.POST, location=lead.location)

    def ask(lead, form):
        return _ask_owner(request, lead, form.request())

    return _panel(request, lead_id, key="same_day", form=bound, action=ask, invalid="Check the same-day request.")


@agent_view
@require_POST
def same_day_answer(request: HttpRequest, same_day_id: int) -> HttpResponse:
    """Record the answer the owner gave by phone (same_day_respond, channel `phone`): an
    approval books the appointment at once."""
    same_day = get_object_or_404(SameDayRequest.objects.visible_to(request.user).select_related("lead"), pk=same_day_id)
    lead = lead_or_404(request, same_day.lead_id)
    form = SameDayAnswerForm(request.POST)
    if not form.is_valid():
        return render_workspace(request, lead, error="Choose what the owner answered.", status=400)

    def answer():
        phone = SameDayRequest.Channel.PHONE
        return same_day_respond(request=same_day, actor=request.user, channel=phone, **form.cleaned_data)

    def done(answered) -> str:
        if answered.status == SameDayRequest.Status.APPROVED:
            return "The owner approved: the appointment is booked."
        return "The owner declined: offer the caller a later time."

    return _answer(request, lead, answer, done=done)


@agent_view
@require_POST
@once_per_form_token
def lead_no_texts(request: HttpRequest, lead_id: int) -> HttpResponse:
    """The caller asked not to be texted: an opt-out in the consent ledger (messaging's service)."""

    def record(lead, form):
        lead_no_texts_record(lead=lead, actor=request.user, note=form.cleaned_data["note"])
        return "Recorded: this lead is not texted any more.", "sms"

    def bound(lead):
        return NoTextsForm(request.POST)

    return _panel(request, lead_id, key="no_texts", form=bound, action=record, invalid="The note is too long.")


@agent_view
@require_POST
@once_per_form_token
def lead_sms(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Text the lead in its thread (messaging's send_lead_sms: STOP honoured, no card numbers)."""

    def send(lead, form):
        message = send_lead_sms(lead=lead, body=form.cleaned_data["body"], actor=request.user)
        suppressed = message and message.notification_id and message.notification.status == "suppressed"
        return ("Text recorded. It was not sent: the lead texted STOP." if suppressed else "Text queued."), "sms"

    def bound(lead):
        return SmsForm(request.POST)

    return _panel(request, lead_id, key="sms", form=bound, action=send, invalid="The text was not sent.")
