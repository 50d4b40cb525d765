"""`{% messaging_action_center %}`: messaging's Action Center entries (urgent unread messages,
failed deliveries) for the request's user and header-switcher Locations. Two queries."""

import re

from django import template

from accounts.scoping import current_locations

from ..selectors import action_center_items

register = template.Library()


@register.inclusion_tag("messaging/_action_center.html", takes_context=True)
def messaging_action_center(context):
    request = context["request"]
    items = context.get("messaging_items")
    if items is None:
        items = action_center_items(user=request.user, locations_qs=current_locations(request))
    return {"messaging_items": items, "request": request}


NOTIFICATION_KINDS = {
    "office_message": "Office message",
    "conflict_raised": "Conflict",
    "conflict_reminder": "Conflict reminder",
    "conflict_answered": "Conflict answer",
    "same_day_request": "Same-day request",
    "reply_help": "Reply help",
    "booking": "New appointment",
    "forced_booking": "Forced booking",
    "reschedule": "Rescheduled appointment",
    "cancellation": "Cancelled appointment",
    "client_confirmation": "Client confirmation",
    "client_reminder": "Client reminder",
    "invitation": "Team invitation",
    "sms_intro": "Text to the lead",
    "reminder": "Reminder",
}

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
    return NOTIFICATION_KINDS.get(kind, (kind or "").replace("_", " "))


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
