"""Notification pages: the `/n/<code>/` short link of a text, Twilio's delivery receipts, and a
user's devices for push notifications (listed on Settings and the sessions page)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import portal_view
from accounts.models import Location
from accounts.permissions import Action, require
from accounts.scoping import get_visible_or_404
from pronexis.csv_export import csv_writer
from pronexis.db import reporting_db
from pronexis.errors import Refused
from pronexis.web import safe_next

from .delivery import notification_record_status
from .failures import delivery_dismiss as dismiss_delivery
from .models import Notification
from .optouts import location_numbers_opted_out
from .push import push_enabled, push_subscription_remove, push_subscriptions_of
from .selectors import location_consent_events
from .short_links import answer_page
from .webhooks import twilio_request_valid, twilio_sid

EXPORT_LIMIT = 50_000
CONSENT_COLUMNS = [
    "when",
    "time zone",
    "number",
    "event",
    "source",
    "actor kind",
    "actor",
    "message",
    "source url",
    "consented at",
]


@require_GET
@portal_view
def consent_export(request: HttpRequest, location_id: int) -> HttpResponse:
    """The Location's consent ledger as CSV (owners; another tenant's Location is a 404)."""
    location = get_object_or_404(Location.objects.visible_to(request.user), pk=location_id)
    require(request.user, Action.EXPORT_CONSENT, location)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="consent-{location.pk}.csv"'
    writer = csv_writer(response)  # every cell neutralised: a lead's own words are untrusted text
    writer.writerow(CONSENT_COLUMNS)
    # The ledger is read on the reports' database (a replica when configured, pronexis.db).
    for event in location_consent_events(location=location, limit=EXPORT_LIMIT, using=reporting_db()):
        at = event.at.astimezone(location.zone).strftime("%Y-%m-%d %H:%M:%S")
        row = [at, location.time_zone, event.number, event.kind, event.source, event.get_actor_kind_display()]
        writer.writerow([*row, event.actor_display, event.message, event.source_url, _iso(event.consented_at)])
    return response


def _iso(value) -> str:
    return value.isoformat() if value else ""


@require_GET
def short_link(request: HttpRequest, short_code: str) -> HttpResponse:
    """`/n/<code>/` from an SMS: a waiting conflict or same-day request opens its answer page with
    no login (notifications.short_links); anything else, after login, the notification's page."""
    page = answer_page(short_code)
    if page:
        return redirect(page)
    return _short_link_after_login(request, short_code)


@portal_view
def _short_link_after_login(request: HttpRequest, short_code: str) -> HttpResponse:
    notification = get_visible_or_404(request, Notification.objects.all(), short_code=short_code)
    if not notification.link.startswith("/"):
        return redirect("dashboard")
    return redirect(notification.link)


@csrf_exempt
@require_POST
def twilio_status_webhook(request: HttpRequest) -> HttpResponse:
    """Delivery receipts (no session; signature verified): delivered, undelivered, failed update
    the Notification row."""
    if not twilio_request_valid(request):
        return HttpResponseForbidden("Invalid Twilio signature.")
    data = request.POST
    sid = twilio_sid(data)
    if sid is None:
        return HttpResponse("MessageSid is required (letters and digits).", status=400)
    notification_record_status(
        provider_id=sid,
        provider_status=data.get("MessageStatus") or data.get("SmsStatus") or "",
        error_code=data.get("ErrorCode", ""),
    )
    return HttpResponse(status=204)


def push_devices_context(request: HttpRequest) -> dict:
    """The user's devices and what the "Turn on notifications" button needs (accounts pages)."""
    return {
        "push_devices": list(push_subscriptions_of(request.user)),
        "push_public_key": settings.VAPID_PUBLIC_KEY if push_enabled() else "",
    }


def stopped_numbers_context(request: HttpRequest, location) -> dict:
    """Settings flags the numbers that texted STOP (read from the opt-out state, one query): the
    Location's distribution list and its team's own mobiles (escalations) get no text from us
    until they text START."""
    stopped = location_numbers_opted_out(location)
    return {
        "stopped_numbers": stopped,
        "stopped_distribution": [number for number in location.sms_distribution_list if number in stopped],
    }


@require_POST
@portal_view
def push_device_remove(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """Settings' "Remove" (a plain form; the page's script uses the API's DELETE the same way)."""
    if not push_subscription_remove(user=request.user, subscription_id=subscription_id):
        raise Http404("No such device.")
    messages.success(request, "That device no longer receives notifications.")
    return redirect(safe_next(request, reverse("sessions")))


@require_POST
@portal_view
def delivery_dismiss(request: HttpRequest, notification_id: int) -> HttpResponse:
    """ "Dismiss" on a failed delivery in the Action Center. HTMX gets the line's dismiss box back
    (a refusal inside it) and fires "pending-answered" (the focus moves on, the counters are read
    again); a plain POST goes back where it came from."""
    notification = get_visible_or_404(request, Notification.objects.select_related("location"), pk=notification_id)
    error, status = "", 200
    try:
        dismiss_delivery(notification=notification, actor=request.user)
    except PermissionDenied as denied:
        error, status = str(denied) or "You may not dismiss this delivery.", 403
    except Refused as refused:
        error, status = str(refused), 409
    if request.htmx:
        response = render(request, "notifications/_dismiss.html", {"n": notification, "error": error}, status=status)
        if status == 200:
            response["HX-Trigger"] = "pending-answered"
        return response
    if status == 403:
        raise PermissionDenied(error)
    if status == 409:
        messages.error(request, error)
    else:
        messages.success(request, "Dismissed: it no longer shows in the Action Center.")
    return redirect(safe_next(request, reverse("dashboard")))
