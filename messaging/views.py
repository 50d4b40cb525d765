"""Messaging pages: the inbox, a message's page, the inbound-text webhook."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import portal_view
from accounts.scoping import get_visible_or_404, newest_per_location, scope_to_current
from notifications.selectors import deliveries_of
from notifications.webhooks import MAX_NUMBER, twilio_media, twilio_request_valid, twilio_sid, twiml

from . import selectors, services
from .forms import InboxFilterForm
from .models import OfficeMessage


@require_GET
@portal_view
def inbox(request: HttpRequest) -> HttpResponse:
    """Office messages of the switcher's Locations, unread first in bold, filters and search."""
    form = InboxFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    messages = scope_to_current(OfficeMessage.objects.all(), request)
    search = filters.get("q") or ""

    def scope(queryset, limit):
        if search:  # the trigram indexes drive the plan
            return scope_to_current(queryset, request)
        return newest_per_location(queryset, request, limit=limit)

    page = selectors.message_inbox(
        messages=OfficeMessage.objects.all(),
        scope=scope,
        user=request.user,
        category=filters.get("category") or "",
        urgent=bool(filters.get("urgent")),
        unread=bool(filters.get("unread")),
        search=search,
        cursor=request.GET.get("cursor", ""),
    )
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "form": form,
        "page": page,
        "unread": selectors.unread_count(messages=messages, user=request.user),
        "unread_cap": selectors.UNREAD_CAP,
        "filter_query": query.urlencode(),
    }
    context["filters_on"] = sum(1 for name in ("category", "urgent", "unread") if request.GET.get(name))
    # "Older messages" and search as you type swap rows only; Back gets the whole page.
    rows_only = request.htmx and (request.GET.get("cursor") or request.htmx.target == "message-rows")
    template = "messaging/inbox.html#rows" if rows_only else "messaging/inbox.html"
    return render(request, template, context)


@require_GET
@portal_view
def message_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    """The page every office-message notification links to: marks it read for this user."""
    message = get_visible_or_404(
        request,
        OfficeMessage.objects.select_related("location", "lead", "taken_by", "acknowledged_by", "handled_by"),
        pk=message_id,
    )
    services.message_mark_read(user=request.user, message=message)
    context = {
        "message": message,
        "location": message.location,
        "deliveries": list(deliveries_of(message)),
    }
    return render(request, "messaging/message_detail.html", context)


@require_POST
@portal_view
def message_mark_unread(request: HttpRequest, message_id: int) -> HttpResponse:
    message = get_visible_or_404(request, OfficeMessage.objects.all(), pk=message_id)
    services.message_mark_unread(user=request.user, message=message)
    return redirect("messages_inbox")


# --- Twilio webhook (no session; signature verified) --------------------------------------
@csrf_exempt
@require_POST
def twilio_sms_webhook(request: HttpRequest) -> HttpResponse:
    """Inbound texts: broadcast number and Location numbers (seed 001)."""
    if not twilio_request_valid(request):
        return HttpResponseForbidden("Invalid Twilio signature.")
    data = request.POST
    sid = twilio_sid(data)
    if sid is None:
        return HttpResponse("MessageSid is required (letters and digits).", status=400)
    if len(data.get("From", "")) > MAX_NUMBER or len(data.get("To", "")) > MAX_NUMBER:
        return HttpResponse("From and To are phone numbers.", status=400)
    answer = services.sms_inbound_receive(
        message_sid=sid,
        from_number=data.get("From", ""),
        to_number=data.get("To", ""),
        body=data.get("Body", ""),
        media=twilio_media(data),
        messaging_service_sid=data.get("MessagingServiceSid", ""),
    )
    return twiml(answer)
