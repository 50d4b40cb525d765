"""Notification pages: the `/n/<code>/` short link of a text, and Twilio's delivery receipts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import portal_view
from accounts.scoping import get_visible_or_404

from .delivery import notification_record_status
from .models import Notification
from .webhooks import twilio_request_valid, twilio_sid


@require_GET
@portal_view
def short_link(request: HttpRequest, short_code: str) -> HttpResponse:
    """`/n/<code>/` from an SMS: after login, straight to the notification's page."""
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
