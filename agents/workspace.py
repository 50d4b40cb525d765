"""What the lead workspace shows, as one screen: the caller's facts, the status actions the
transition table allows, the slot picker (grouped by day, in the Location's zone) and the one
panel open in place — the booking confirmation, the owner being called for a same-day request,
or the conflict, same-day or office-message form, each prefilled from the lead.

The console adds no rules: slots come from calendars, transitions from leads, requests from
conflicts; this module only arranges them for an agent with a caller on the line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.http import urlencode

from accounts.models import Location
from calendars.selectors import slots_for_location
from leads.models import Lead
from leads.services import actor_kind_for, allowed_transitions, lead_conversion_blocker
from pronexis.moments import LocalDateTimeField

from . import selectors
from .forms import (
    LOCAL_FORMAT,
    BookForm,
    ConflictForm,
    NoTextsForm,
    OfficeMessageForm,
    SameDayAnswerForm,
    SameDayForm,
    SlotSearchForm,
    SmsForm,
)
from .templatetags.console import MEETING_LABELS, REASON_LABELS, STATUS_LABELS

SLOTS_SHOWN = 60
PANELS = ("confirm", "conflict", "same_day", "message")


@dataclass
class SlotView:
    start: dt.datetime  # local
    meeting_type: str
    needs_owner_approval: bool
    value: str  # the local time as the forms read it
    href: str = ""


@dataclass
class SlotDay:
    day: dt.date
    slots: list[SlotView] = field(default_factory=list)


@dataclass
class SlotPicker:
    form: SlotSearchForm
    meeting_type: str
    type_links: list[tuple[str, str, bool]]  # (label, href, current)
    days: list[SlotDay]
    more: bool
    first_free: str  # the value of the first slot bookable without the owner's approval


def default_meeting_type(location: Location) -> str:
    offered = [value for value in MEETING_LABELS if value in location.meeting_types]
    return offered[0] if offered else ""


def _picker(request, lead: Lead, location: Location, local_now: dt.datetime) -> SlotPicker:
    keys = ("slot_from", "slot_days", "slot_type")
    data = None
    if any(key in request.GET for key in keys):
        data = {"slot_from": local_now.date().isoformat(), "slot_days": 7, "slot_type": default_meeting_type(location)}
        data.update({key: request.GET[key] for key in keys if key in request.GET})
    form = SlotSearchForm(data, location=location, today=local_now.date())
    meeting_type = default_meeting_type(location)
    start = dt.datetime.combine(local_now.date(), dt.time(0), tzinfo=location.zone)
    end = start + dt.timedelta(days=7)
    if form.is_bound:
        if form.is_valid():
            start, end = form.range()
            meeting_type = form.cleaned_data["slot_type"] or meeting_type
        else:
            end = start  # a search that does not read: no slots, the form shows why
    slots = (
        slots_for_location(location=location, start=start, end=end, meeting_type=meeting_type) if end > start else []
    )
    days: dict[dt.date, SlotDay] = {}
    first_free = ""
    for slot in slots[:SLOTS_SHOWN]:
        local = slot.start.astimezone(location.zone)
        value = local.strftime(LOCAL_FORMAT)
        view = SlotView(local, meeting_type, slot.needs_owner_approval, value)
        if not slot.needs_owner_approval:
            view.href = "?" + urlencode({"slot": value, "type": meeting_type})
            first_free = first_free or value
        days.setdefault(local.date(), SlotDay(local.date())).slots.append(view)
    base = {"slot_from": (form.cleaned_data.get("slot_from") if form.is_valid() else None) or local_now.date()}
    type_links = [
        (MEETING_LABELS[value], "?" + urlencode({**base, "slot_type": value}) + "#slots", value == meeting_type)
        for value in MEETING_LABELS
        if value in location.meeting_types
    ]
    return SlotPicker(form, meeting_type, type_links, list(days.values()), len(slots) > SLOTS_SHOWN, first_free)


def _chosen_slot(request, location: Location) -> dt.datetime | None:
    """`?slot=` (the Location's local time) read like any console time; unreadable → no panel."""
    value = request.GET.get("slot", "")
    if not value:
        return None
    try:
        with timezone.override(location.zone):
            return LocalDateTimeField().clean(value)
    except Exception:  # noqa: BLE001 - any unreadable value simply opens no confirmation
        return None


def address_for(meeting_type: str, lead: Lead, location: Location) -> str:
    """Where the meeting happens, prefilled: the office's address, the client's, or the number."""
    if meeting_type == "office":
        return ", ".join(part for part in (location.address, f"{location.city} {location.region}".strip()) if part)
    if meeting_type == "client_home":
        return " ".join(part for part in (lead.address, lead.postal_code) if part)
    return ""


def _transitions(request, lead: Lead) -> list[dict]:
    kind = actor_kind_for(request.user, lead.location)
    return [
        {
            "status": to,
            "reason": reason or "",
            "label": STATUS_LABELS[to] + (f": {REASON_LABELS.get(reason, reason).lower()}" if reason else ""),
        }
        for to, reason in allowed_transitions(from_status=lead.status, actor_kind=kind)
        if to != Lead.Status.CONVERTED  # only a booking converts (the system transition)
    ]


def _panel_forms(request, lead: Lead, location: Location, workspace, picker: SlotPicker, forms: dict) -> dict:
    """The forms of the panels, prefilled from the lead and the slot in view."""
    chosen = _chosen_slot(request, location)
    meeting_type = request.GET.get("type") or picker.meeting_type
    if meeting_type not in MEETING_LABELS:
        meeting_type = picker.meeting_type
    approval = request.GET.get("approval", "")
    start_value = chosen.astimezone(location.zone).strftime(LOCAL_FORMAT) if chosen else ""
    book = forms.get("book") or BookForm(
        location=location,
        approvals=workspace.approvals,
        initial={
            "start": start_value,
            "minutes": location.slot_minutes,
            "meeting_type": meeting_type,
            "address": address_for(meeting_type, lead, location),
            "approval": approval if approval in {key for key, _obj, _label in workspace.approvals} else "",
        },
    )
    conflict_type = meeting_type
    conflict = forms.get("conflict") or ConflictForm(
        location=location,
        initial={
            "requested_start": start_value or picker.first_free,
            "requested_meeting_type": conflict_type,
            "requested_address": address_for("client_home", lead, location),
        },
    )
    same_day = forms.get("same_day") or SameDayForm(
        location=location, initial={"same_day_start": start_value, "meeting_type": meeting_type}
    )
    message = forms.get("message") or OfficeMessageForm.about(lead)
    return {"book_form": book, "conflict_form": conflict, "same_day_form": same_day, "message_form": message}


def _open_panel(request, forms: dict, workspace) -> str:
    for key, panel in (("book", "confirm"), ("conflict", "conflict"), ("same_day", "same_day"), ("message", "message")):
        if key in forms:
            return panel
    if request.GET.get("open") in PANELS:
        return request.GET["open"]
    if request.GET.get("slot"):
        return "confirm"
    return ""


def workspace_context(request, lead: Lead, *, forms: dict | None = None, error: str = "") -> dict:
    forms = forms or {}
    location = lead.location
    workspace = selectors.lead_workspace(lead=lead)
    context = {
        "lead": lead,
        "location": location,
        "workspace": workspace,
        "transitions": _transitions(request, lead),
        "error": error,
        "sms_form": forms.get("sms") or SmsForm(),
        "no_texts_form": forms.get("no_texts") or NoTextsForm(),
    }
    if location is None:
        return context
    local_now = timezone.now().astimezone(location.zone)
    calling = [r for r in workspace.same_day_requests if r.status == "pending"]
    context.update(local_now=local_now, calling=calling, answer_form=SameDayAnswerForm())
    context["same_day_blocker"] = lead_conversion_blocker(lead)
    if not location.takes_bookings:
        context["message_form"] = forms.get("message") or OfficeMessageForm.about(lead)
        context["panel"] = "message" if request.GET.get("open") == "message" or "message" in forms else ""
        return context
    picker = _picker(request, lead, location, local_now)
    context.update(picker=picker, **_panel_forms(request, lead, location, workspace, picker, forms))
    context["panel"] = "" if calling and not forms else _open_panel(request, forms, workspace)
    return context
