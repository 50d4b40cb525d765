"""Portal pages of the conflicts capability: answering conflicts and same-day requests (HTMX or a
plain POST) and the signed answer links. The dashboard that lists them is portal's."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import portal_view
from accounts.models import Location
from accounts.permissions import Action, can, require
from accounts.scoping import (
    current_locations,
    get_visible_or_404,
)
from calendars.selectors import unexpired_hold
from pronexis.errors import Refused
from pronexis.moments import portal_day, portal_moment
from pronexis.web import safe_next

from . import alternates, answers, links, selectors, services
from . import same_day as same_day_requests
from .models import Conflict, SameDayRequest

MEETING_TYPE_CHOICES = Location.MeetingType.choices
# The portal pages an owner answers from; each answer records the one it came from.
PORTAL_CHANNELS = ("action_center", "calendar")


@portal_view
def conflict_detail(request: HttpRequest, conflict_id: int) -> HttpResponse:
    conflict = get_visible_or_404(request, Conflict.objects.select_related("lead", "location"), pk=conflict_id)
    return _detail(request, selectors.item_for(conflict))


@portal_view
def same_day_detail(request: HttpRequest, same_day_id: int) -> HttpResponse:
    same_day = get_visible_or_404(request, SameDayRequest.objects.select_related("lead", "location"), pk=same_day_id)
    return _detail(request, selectors.item_for(same_day))


def _detail(request, item, *, error: str = "", status: int = 200, live_box: dict | None = None) -> HttpResponse:
    context = {
        "item": item,
        "error": error,
        "meeting_types": MEETING_TYPE_CHOICES,
        "can_answer": can(request.user, Action.ANSWER, item.location),
        "answer": _answer_text(item),
        "hold": unexpired_hold(item.obj),
        **(live_box or {}),
    }
    return render(request, "conflicts/detail.html", context, status=status)


def _answer_text(item) -> str:
    """The answer in words once there is one — or why the item closed itself without one."""
    if item.is_pending or not (item.obj.responded_at or getattr(item.obj, "closed_reason", "")):
        return ""
    return services.answer_summary(item.obj)


# --- answering from the portal ---------------------------------------------------------------
def parse_local_alternate(data, zone) -> dt.datetime | None:
    """The alternate's local date and time (separate date + time fields, or one
    `alternate_start` "YYYY-MM-DDTHH:MM") in the Location's zone → an aware datetime."""
    raw = (data.get("alternate_start") or "").strip()
    if not raw and (data.get("alternate_date") or data.get("alternate_time")):
        if not (data.get("alternate_date") and data.get("alternate_time")):
            raise ValidationError({"alternate_start": "Give both a date and a time, or neither."})
        raw = f"{data['alternate_date'].strip()}T{data['alternate_time'].strip()}"
    if not raw:
        return None
    return portal_moment(raw, zone, "alternate_start")


def _answer(request, item, answer) -> HttpResponse:
    """Calls the answer service; renders the outcome for HTMX (the answered box plus out-of-band
    counters) or redirects back for a plain POST. Refusals are shown in place: 409 already
    answered, 400 invalid input, 403 a role that may not answer."""
    error, status = "", 200
    try:
        answer()
    except Refused as refused:
        error, status = str(refused), 409
    except ValidationError as invalid:
        error, status = " ".join(invalid.messages), 400
    except PermissionDenied as denied:
        error, status = str(denied) or "You may not answer this.", 403
    item.obj.refresh_from_db()
    # A refused answer comes back as a live box: the page's channel and return address, and the
    # values the owner typed (issue #16 item 4) — the next click answers from the same page.
    channel = _channel(request, PORTAL_CHANNELS)
    live_box = {"channel": channel, "posted": request.POST, "next_url": _next_url(request)}
    if request.htmx:
        context = {
            "item": item,
            "error": error,
            "meeting_types": MEETING_TYPE_CHOICES,
            "answer": _answer_text(item),
            "oob": channel != "calendar",
            **live_box,
        }
        if context["oob"]:  # the Action Center's counters, updated out of band
            context["counts"] = selectors.pending_counts(locations_qs=current_locations(request))
            context["month"] = selectors.month_at_a_glance(locations_qs=current_locations(request))
        template = "conflicts/_respond_form.html" if item.is_pending else "conflicts/_answered.html"
        response = render(request, template, context, status=status)
        if not item.is_pending:
            # The calendar's banner counts again; the Action Center moves on to its next line.
            response["HX-Trigger"] = "pending-answered"
        return response
    if status != 200:
        return _detail(request, item, error=error, status=status, live_box=live_box)
    messages.success(request, f"Answered: {item.obj.get_status_display().lower()}.")
    return HttpResponseRedirect(_next_url(request))


def _channel(request, allowed) -> str:
    channel = request.POST.get("channel") or "action_center"
    return channel if channel in allowed else "action_center"


def _next_url(request) -> str:
    """The page the answer was given on (a plain POST goes back there); the dashboard otherwise."""
    return safe_next(request, reverse("dashboard"))


@portal_view
@require_http_methods(["GET", "POST"])
def conflict_respond(request: HttpRequest, conflict_id: int) -> HttpResponse:
    """POST /conflicts/<id>/respond/: decision, notes, alternate (local date/time), meeting type."""
    conflict = get_visible_or_404(request, Conflict.objects.select_related("lead", "location"), pk=conflict_id)
    item = selectors.item_for(conflict)
    if request.method == "GET":  # a link to the answer endpoint opens the item's page
        return HttpResponseRedirect(item.detail_url)

    def answer():
        channel = _channel(request, PORTAL_CHANNELS)
        # The role first: a viewer learns nothing from the validation of an alternate time.
        services.check_answer_role(actor=request.user, location=conflict.location, channel=channel)
        alternate_start = None
        if request.POST.get("decision") == "alternate":
            alternate_start = parse_local_alternate(request.POST, conflict.location.zone)
            _warn_of_a_clash(request, conflict, alternate_start)
        services.conflict_respond(
            conflict=conflict,
            actor=request.user,
            decision=request.POST.get("decision", ""),
            notes=request.POST.get("notes", ""),
            alternate_start=alternate_start,
            alternate_meeting_type=request.POST.get("alternate_meeting_type") or None,
            channel=channel,
        )

    return _answer(request, item, answer)


def _warn_of_a_clash(request, conflict: Conflict, start: dt.datetime | None) -> None:
    """A typed time that is not free in the owner's calendar is sent only once confirmed (the
    picker's own choices are free by construction)."""
    typed = request.POST.get("alternate_date")  # a picker's button sends `alternate_start`: free
    if not typed or start is None or start <= timezone.now() or request.POST.get("clash_ok"):
        return  # a past time is refused by the service itself, with its own reason
    if not alternates.clashes(conflict, start):
        return
    local = start.astimezone(conflict.location.zone)
    when = f"{local:%a, %b} {local.day} at {local:%I:%M %p}".replace(" 0", " ")
    raise ValidationError(
        f"{when} is not a free time in your calendar (outside your availability, booked or held). "
        "Tick “Suggest it anyway” to send it, or tap one of the free times."
    )


@require_GET
@portal_view
def conflict_alternates(request: HttpRequest, conflict_id: int) -> HttpResponse:
    """GET /conflicts/<id>/alternates/?day=YYYY-MM-DD: the picker's free times of one day (the
    requested day first), for owners who may answer; 404 for another tenant's conflict."""
    conflict = get_visible_or_404(request, Conflict.objects.select_related("location"), pk=conflict_id)
    require(request.user, Action.ANSWER, conflict.location)
    picker = alternates.alternate_day(conflict, portal_day(request.GET.get("day")))
    context = {"picker": picker, "conflict": conflict, "dom": f"conflict-{conflict.pk}"}
    return render(request, "conflicts/_alternate_slots.html", context)


@portal_view
@require_http_methods(["GET", "POST"])
def same_day_respond(request: HttpRequest, same_day_id: int) -> HttpResponse:
    """POST /same-day/<id>/respond/: decision (approve | decline), notes."""
    same_day = get_visible_or_404(request, SameDayRequest.objects.select_related("lead", "location"), pk=same_day_id)
    item = selectors.item_for(same_day)
    if request.method == "GET":
        return HttpResponseRedirect(item.detail_url)

    def answer():
        same_day_requests.same_day_respond(
            request=same_day,
            actor=request.user,
            decision=request.POST.get("decision", ""),
            notes=request.POST.get("notes", ""),
            channel=_channel(request, PORTAL_CHANNELS),
        )

    return _answer(request, item, answer)


# --- signed answer links (e-mail and SMS) ----------------------------------------------------
def _answer_by_link(request, link, item) -> None:
    """The POST of a link's page: its own decision, or on a "choose" link the button tapped."""
    choice = request.POST.get("decision", "") if link.decision == links.CHOOSE else ""
    alternate = {}
    if (choice or link.decision) == "alternate":
        alternate = {
            "alternate_start": parse_local_alternate(request.POST, item.location.zone),
            "alternate_meeting_type": request.POST.get("alternate_meeting_type") or None,
        }
    answers.answer_link_use(link=link, notes=request.POST.get("notes", ""), choice=choice, **alternate)


@require_http_methods(["GET", "POST"])
def answer_link(request: HttpRequest, token: str) -> HttpResponse:
    """The page an e-mail or SMS link opens: GET shows the request and one button (link scanners
    and previews only GET); the button POSTs the answer. No login: the signature is the
    credential; expired, used or tampered links say so."""
    try:
        link = links.read_answer_token(token)
        item_obj, used = answers.answer_link_item(link)
    except links.LinkInvalid as invalid:
        return render(request, "conflicts/answer_link.html", {"problem": str(invalid)}, status=410)
    item = selectors.item_for(item_obj)
    context = {"item": item, "link": link, "token": token, "meeting_types": MEETING_TYPE_CHOICES}
    offers_alternate = link.decision in ("alternate", links.CHOOSE) and item.allows_alternate
    if offers_alternate and item.is_pending and not used:
        context["picker"] = alternates.alternate_day(item.obj, portal_day(request.GET.get("day")))
    if used:
        context["problem"] = "This link has already been used."
        return render(request, "conflicts/answer_link.html", context, status=410)
    if not item.is_pending:
        context["problem"] = services.describe_answer(item_obj)
        return render(request, "conflicts/answer_link.html", context, status=410)
    if request.method == "GET":
        return render(request, "conflicts/answer_link.html", context)
    try:
        _answer_by_link(request, link, item)
    except Refused as refused:
        context["problem"] = str(refused)
        return render(request, "conflicts/answer_link.html", context, status=409)
    except ValidationError as invalid:
        context["error"] = " ".join(invalid.messages)
        return render(request, "conflicts/answer_link.html", context, status=400)
    item.obj.refresh_from_db()
    context["done"] = "Thank you — " + services.answer_summary(item.obj)
    return render(request, "conflicts/answer_link.html", context)
