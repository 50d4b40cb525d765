"""Owner-facing words for the outbox: a notification's kind, a provider's error."""

import re

from django import template

from ..models import Notification

register = template.Library()

# Twilio error codes an owner meets, said plainly (https://www.twilio.com/docs/api/errors).
TWILIO_ERRORS = {
    "21211": "not a valid phone number",
    "21610": "the recipient replied STOP and receives no more texts",
    "21614": "not a mobile number",
    "30003": "the phone was unreachable: switched off or out of coverage",
    "30004": "the recipient blocks these texts",
    "30005": "the number is unknown or no longer in service",
    "30006": "a landline or a carrier that cannot receive texts",
    "30007": "the carrier filtered the text as spam",
    "30008": "the carrier did not say why",
}
_TWILIO_CODE = re.compile(r"\b(2\d{4}|3\d{4})\b")


@register.filter
def notification_kind(kind: str) -> str:
    """A notification kind code → words ("office_message" → "Office message")."""
    if kind in Notification.Kind.values:
        return Notification.Kind(kind).label
    return (kind or "").replace("_", " ")


@register.filter
def delivery_error(error: str) -> str:
    """A provider error → what it means for the owner, keeping the code for support:
    "Twilio error 30003" → "The phone was unreachable: switched off or out of coverage (Twilio error 30003)"."""
    if not error:
        return ""
    match = _TWILIO_CODE.search(error)
    meaning = TWILIO_ERRORS.get(match.group(1)) if match else None
    if not meaning:
        return error
    return f"{meaning[0].upper()}{meaning[1:]} ({error.split(':', 1)[0]})"
