"""The callback queue (what owners answered) and the contact sequence's call queue: oldest first,
a page at a time (keyset cursor), each item's answer shown once, and an outcome the agent must
choose — nothing is preselected."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import agent_view
from accounts.models import Location
from conflicts.callbacks import CALLBACK_OUTCOMES, callback_close
from conflicts.models import Callback
from conflicts.selectors import open_callbacks
from leads.contact_sequence import call_task_record_outcome
from leads.models import CallTask
from leads.selectors import call_queue
from pronexis.errors import Refused
from pronexis.web import decode_cursor, encode_cursor, safe_next

from ..forms import LOCAL_FORMAT, CallbackCloseForm, CallOutcomeForm
from .actions import agent_text

PAGE_SIZE = 25


def _location_filter(request) -> int | None:
    value = request.GET.get("location", "")
    return int(value) if value.isdecimal() else None


def _page(request, queryset, field: str):
    """One page after `?after=` (keyset on (field, id), ascending) and the next page's URL."""
    position = decode_cursor(request.GET.get("after", ""))
    if position is not None:
        moment, pk = position
        queryset = queryset.filter(Q(**{f"{field}__gt": moment}) | Q(**{field: moment, "pk__gt": pk}))
    rows = list(queryset[: PAGE_SIZE + 1])
    next_url = ""
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        params = {key: value for key, value in request.GET.items() if key != "after"}
        params["after"] = encode_cursor(getattr(rows[-1], field), rows[-1].pk)
        next_url = "?" + urlencode(params)
    return rows, next_url


def _queue_context(request, items, next_url: str, error: str) -> dict:
    locations = Location.objects.visible_to(request.user).only("id", "name").order_by("name")[:500]
    return {
        "items": items,
        "next_url": next_url,
        "first_page": "after" in request.GET,
        "locations": list(locations),
        "location_id": _location_filter(request),
        "error": error,
    }


def book_now_url(callback: Callback) -> str:
    """The workspace at the time the owner agreed to, with that approval chosen; otherwise the
    workspace's slot picker (a declined request: offer a later time)."""
    url = reverse("agent_lead", args=[callback.lead_id])
    conflict = callback.conflict
    if callback.reason == Callback.Reason.CONFLICT_APPROVED:
        start, meeting_type = conflict.requested_start, conflict.requested_meeting_type
    elif callback.reason == Callback.Reason.CONFLICT_ALTERNATE:
        start, meeting_type = conflict.alternate_start, conflict.alternate_meeting_type
    else:
        return url + "#slots"
    local = start.astimezone(callback.location.zone).strftime(LOCAL_FORMAT)
    return (
        url + "?" + urlencode({"slot": local, "type": meeting_type, "approval": f"conflict:{conflict.pk}"})
    )


def _callbacks_page(request, *, error: str = "", status: int = 200) -> HttpResponse:
    queryset = open_callbacks(user=request.user, location_id=_location_filter(request))
    rows, next_url = _page(request, queryset, "created_at")
    items = [
        {
            "callback": callback,
            "form": CallbackCloseForm(outcomes=CALLBACK_OUTCOMES[callback.reason], auto_id=f"cb{callback.pk}_%s"),
            "book_now": book_now_url(callback) if callback.reason != Callback.Reason.SAME_DAY_APPROVED else "",
        }
        for callback in rows
    ]
    return render(request, "agents/callbacks.html", _queue_context(request, items, next_url, error), status=status)


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
        return _callbacks_page(request, error="Choose the outcome of this callback.", status=400)
    try:
        callback_close(callback=callback, actor=request.user, **form.cleaned_data)
    except Refused as error:
        return _callbacks_page(request, error=agent_text(error), status=409)
    except ValidationError as error:
        return _callbacks_page(request, error=agent_text(error), status=400)
    messages.success(request, f"Callback #{callback.pk} closed.")
    return redirect(safe_next(request, reverse("agent_callbacks"), within="/agent/"))


def _calls_page(request, *, error: str = "", status: int = 200) -> HttpResponse:
    queryset = call_queue(user=request.user)
    if location_id := _location_filter(request):
        queryset = queryset.filter(location_id=location_id)
    rows, next_url = _page(request, queryset, "due_at")
    items = [
        {"task": task, "form": CallOutcomeForm(location=task.location, auto_id=f"ct{task.pk}_%s")} for task in rows
    ]
    return render(request, "agents/calls.html", _queue_context(request, items, next_url, error), status=status)


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
        call_task_record_outcome(task=task, actor=request.user, **form.cleaned_data)
    except Refused as error:
        return _calls_page(request, error=agent_text(error), status=409)
    except ValidationError as error:
        return _calls_page(request, error=agent_text(error), status=400)
    messages.success(request, "Outcome recorded.")
    return redirect(safe_next(request, reverse("agent_calls"), within="/agent/"))
