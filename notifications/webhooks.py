"""Twilio webhook helpers: signature check against PUBLIC_BASE_URL, TwiML answers."""

from __future__ import annotations

import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse


def public_url(request: HttpRequest) -> str:
    """The URL Twilio signed: the configured public base URL + path (+ query), so the check is
    right behind a TLS-terminating proxy where the request's own scheme and host differ."""
    url = settings.PUBLIC_BASE_URL + request.path
    if request.META.get("QUERY_STRING"):
        url += "?" + request.META["QUERY_STRING"]
    return url


def twilio_request_valid(request: HttpRequest) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    params = {key: request.POST.get(key) for key in request.POST}
    return validator.validate(public_url(request), params, signature)


def twilio_signature(path: str, params: dict) -> str:
    """The signature Twilio would send for a POST of `params` to PUBLIC_BASE_URL + path (tests)."""
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(settings.PUBLIC_BASE_URL + path, params)


MAX_MEDIA = 10  # Twilio's limit per MMS
SID = re.compile(r"[A-Za-z0-9]{1,64}")  # Twilio's are 34: two letters and 32 hex digits
MAX_NUMBER = 32  # the stored From / To


def twilio_sid(data) -> str | None:
    """The MessageSid of a Twilio post, or None when it is missing or not a SID (a 400: the
    columns it is stored and matched in hold 64 characters)."""
    sid = data.get("MessageSid") or data.get("SmsSid") or ""
    return sid if SID.fullmatch(sid) else None


def twilio_media(data) -> list[dict]:
    """An MMS's media as Twilio posts them (NumMedia, MediaUrlN, MediaContentTypeN); only web
    URLs are kept, as they are shown as links."""
    try:
        count = min(int(data.get("NumMedia") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    media = []
    for index in range(count):
        url = data.get(f"MediaUrl{index}", "")
        if url.startswith(("https://", "http://")):
            media.append({"url": url, "content_type": data.get(f"MediaContentType{index}", "")[:100]})
    return media


def twiml(text: str | None) -> HttpResponse:
    response = MessagingResponse()
    if text:
        response.message(text)
    return HttpResponse(str(response), content_type="text/xml")
