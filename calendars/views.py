"""Portal pages of the calendars capability: the calendar tab (week/month, availability editor),
appointment actions, the iCalendar feed and the Reports page.

HTMX requests get a partial (`template#partial`), plain requests the page; every HTMX action is
also a plain form POST that redirects back.
"""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag
from django.views.decorators.http import require_GET, require_POST, require_safe

from accounts.decorators import portal_view
from accounts.models import Location
from accounts.permissions import Action, can, require
from accounts.scoping import get_visible_or_404
from pronexis.errors import Refused
from pronexis.web import error_text, refusal_status, safe_next

from . import availability, feeds, selectors, services
from .calendar_page import calendar_context, editor_context, render_calendar, sources_context
from .forms import CalendarSourceForm, CancelForm, ExceptionForm, RescheduleForm, SlotSettingsForm, WindowForm
from .models import Appointment, AvailabilityException, AvailabilityWindow, CalendarSource

# --- helpers ---------------------------------------------------------------------------------


@require_GET
@portal_view
def calendar_view(request: HttpRequest) -> HttpResponse:
    """The calendar tab: week (default) or month, HTMX prev/next/today (partial), plain links."""
    body_only = bool(request.htmx)  # pronexis.htmx: boosted and history-restore requests get the page
    context = calendar_context(request, banner=not body_only)
    template = "calendars/calendar.html#calendar-body" if body_only else "calendars/calendar.html"
    return render_calendar(request, template, context)


# --- the availability editor -----------------------------------------------------------------
def _editable_location(request, location_id: int) -> Location:
    location = Location.objects.visible_to(request.user).filter(pk=location_id).first()
    if location is None:
        raise Http404("No such location.")
    require(request.user, Action.EDIT_AVAILABILITY, location)
    return location


def _editor_response(request, location: Location, *, error: str = "", status: int = 200, **forms) -> HttpResponse:
    if request.htmx:
        context = {"editor": editor_context(location, **forms), "editor_error": error}
        return render(request, "calendars/_availability.html", context, status=status)
    if status == 200:
        return redirect(f"{reverse('calendar')}#availability")
    context = calendar_context(request, editor_forms=forms, editor_error=error)
    return render_calendar(request, "calendars/calendar.html", context, status=status)


def _editor_add(request, location, form, add, added: str, form_name: str) -> HttpResponse:
    """An availability editor form: the service validates the rules (overlaps, inverted times)."""
    if form.is_valid():
        try:
            add(location=location, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            for name, errors in error.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, added)
            return _editor_response(request, location)
    return _editor_response(request, location, status=400, **{form_name: form})


@require_POST
@portal_view
def window_add(request: HttpRequest, location_id: int) -> HttpResponse:
    location = _editable_location(request, location_id)
    form = WindowForm(request.POST, location=location)
    return _editor_add(
        request, location, form, availability.availability_window_add, "Availability window added.", "window_form"
    )


@require_POST
@portal_view
def window_delete(request: HttpRequest, window_id: int) -> HttpResponse:
    window = get_visible_or_404(request, AvailabilityWindow.objects.select_related("location"), pk=window_id)
    availability.availability_window_delete(window=window, actor=request.user)
    messages.success(request, f"Window {window} removed.")
    return _editor_response(request, window.location)


@require_POST
@portal_view
def exception_add(request: HttpRequest, location_id: int) -> HttpResponse:
    location = _editable_location(request, location_id)
    form = ExceptionForm(request.POST, location=location)
    return _editor_add(
        request, location, form, availability.availability_exception_add, "Date exception added.", "exception_form"
    )


@require_POST
@portal_view
def exception_delete(request: HttpRequest, exception_id: int) -> HttpResponse:
    exception = get_visible_or_404(request, AvailabilityException.objects.select_related("location"), pk=exception_id)
    availability.availability_exception_delete(exception=exception, actor=request.user)
    messages.success(request, "Date exception removed.")
    return _editor_response(request, exception.location)


@require_POST
@portal_view
def slot_settings(request: HttpRequest, location_id: int) -> HttpResponse:
    location = _editable_location(request, location_id)
    form = SlotSettingsForm(request.POST, instance=location)
    if form.is_valid():
        availability.location_update_slot_settings(location=location, actor=request.user, **form.cleaned_data)
        messages.success(request, "Appointment settings saved.")
        return _editor_response(request, location)
    location.refresh_from_db()
    return _editor_response(request, location, status=400, slot_form=form)


# --- appointments ------------------------------------------------------------------------------
def _appointment(request, appointment_id: int) -> Appointment:
    return get_visible_or_404(request, Appointment.objects.select_related("location", "lead"), pk=appointment_id)


def _can_edit(request, appointment: Appointment) -> bool:
    return can(request.user, Action.CHANGE_APPOINTMENT, appointment.location)


@require_GET
@portal_view
def appointment_detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _appointment(request, appointment_id)
    context = {"appointment": appointment, "can_edit": _can_edit(request, appointment), "now": timezone.now()}
    return render(request, "calendars/appointment_detail.html", context)


def _appointment_action(request, appointment_id: int, action) -> HttpResponse:
    """Fetch (404 for another tenant) → role (403) → the service → the card (HTMX) or a redirect."""
    appointment = _appointment(request, appointment_id)
    require(request.user, Action.CHANGE_APPOINTMENT, appointment.location)
    status, error = 200, ""
    try:
        done = action(appointment)
    except (ValidationError, Refused) as exc:
        status, error = refusal_status(exc), error_text(exc)
    if request.htmx:
        context = {"appointment": appointment, "can_edit": True, "error": error, "now": timezone.now()}
        context["show_location"] = request.POST.get("show_location") == "1"
        return render(request, "calendars/_appointment.html", context, status=status)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(safe_next(request, appointment.get_absolute_url()))


@require_POST
@portal_view
def appointment_cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    def action(appointment):
        form = CancelForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        services.appointment_cancel(appointment=appointment, actor=request.user, reason=reason)
        return "Appointment cancelled."

    return _appointment_action(request, appointment_id, action)


@require_POST
@portal_view
def appointment_reschedule(request: HttpRequest, appointment_id: int) -> HttpResponse:
    def action(appointment):
        form = RescheduleForm(request.POST)
        if not form.is_valid():
            raise ValidationError({"start": form.errors.get("start") or "Give the new date and time."})
        start = form.local_start(appointment.location.zone)
        services.appointment_reschedule(appointment=appointment, actor=request.user, start=start)
        return "Appointment moved."

    return _appointment_action(request, appointment_id, action)


@require_POST
@portal_view
def appointment_status(request: HttpRequest, appointment_id: int) -> HttpResponse:
    def action(appointment):
        services.appointment_set_status(
            appointment=appointment, actor=request.user, status=request.POST.get("status", "")
        )
        return f"Appointment marked {appointment.get_status_display().lower()}."

    return _appointment_action(request, appointment_id, action)


# --- the iCalendar feed --------------------------------------------------------------------------
@require_safe
def calendar_feed(request: HttpRequest, secret: str) -> HttpResponse:
    """`/calendar/<secret>.ics`: the secret is the credential (no login); an old one is 404.
    GET and HEAD; the body is the same until an appointment changes, so its hash is the ETag
    and a subscribed calendar polling with If-None-Match gets a 304."""
    location = selectors.location_by_calendar_secret(secret)
    if location is None:
        raise Http404("No such calendar.")
    body = feeds.location_ics(location, selectors.feed_appointments(location))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="appointments.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["ETag"] = quote_etag(hashlib.sha256(body).hexdigest()[:32])
    return get_conditional_response(request, etag=response["ETag"], response=response)


# --- the owner's own calendars (calendar sources) ---------------------------------------------
def _sources_response(request, location: Location, *, form=None, error: str = "", status: int = 200) -> HttpResponse:
    if request.htmx:
        context = {"sources": sources_context(location, form=form), "sources_error": error}
        return render(request, "calendars/_sources.html", context, status=status)
    if status == 200:
        return redirect(f"{reverse('calendar')}#calendar-sources")
    context = calendar_context(request, sources_form=form, sources_error=error)
    return render_calendar(request, "calendars/calendar.html", context, status=status)


def _managed_source(request, source_id: int) -> CalendarSource:
    source = get_visible_or_404(request, CalendarSource.objects.select_related("location"), pk=source_id)
    require(request.user, Action.MANAGE_CALENDAR_SOURCES, source.location)
    return source


@require_POST
@portal_view
def calendar_source_add(request: HttpRequest, location_id: int) -> HttpResponse:
    """Owners add an ICS address or a CalDAV calendar; it is read at once: a bad address or bad
    credentials are a form error saying so (400), nothing is stored."""
    from .sources import calendar_source_add as add

    location = Location.objects.visible_to(request.user).filter(pk=location_id).first()
    if location is None:
        raise Http404("No such location.")
    require(request.user, Action.MANAGE_CALENDAR_SOURCES, location)
    form = CalendarSourceForm(request.POST)
    if form.is_valid():
        try:
            source = add(location=location, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            for name, errors in error.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, f"Calendar “{source}” added: its busy times are no longer offered.")
            return _sources_response(request, location)
    return _sources_response(request, location, form=form, status=400)


@require_POST
@portal_view
def calendar_source_refresh(request: HttpRequest, source_id: int) -> HttpResponse:
    """ "Refresh now": read the calendar again; a failure keeps its last busy times and says why."""
    from .sources import calendar_source_refresh_now

    source = _managed_source(request, source_id)
    if calendar_source_refresh_now(source=source, actor=request.user):
        messages.success(request, f"Calendar “{source}” read again.")
        return _sources_response(request, source.location)
    error = f"“{source}” could not be read: {source.last_error}"
    if not request.htmx:  # the plain form redirects back: say it there
        messages.error(request, error)
    return _sources_response(request, source.location, error=error)


@require_POST
@portal_view
def calendar_source_delete(request: HttpRequest, source_id: int) -> HttpResponse:
    from .sources import calendar_source_remove

    source = _managed_source(request, source_id)
    location, name = source.location, str(source)
    calendar_source_remove(source=source, actor=request.user)
    messages.success(request, f"Calendar “{name}” removed: its busy times are offered again.")
    return _sources_response(request, location)
