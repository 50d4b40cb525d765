"""SMS opt-outs (seed 001, CTIA keywords): STOP/START per number, honoured before every send."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.normalize import normalize_phone

from .models import SmsOptOut

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
START_WORDS = {"START", "UNSTOP", "YES", "OPTIN"}

# Called with (number, opted_out) after a number's choice is recorded. Leads registers the copy
# onto `Lead.sms_opted_out` at start-up (leads.apps): notifications never imports the apps above it.
_opt_out_listeners: list[Callable[[str, bool], None]] = []


def on_opt_out_change(listener: Callable[[str, bool], None]) -> None:
    if listener not in _opt_out_listeners:
        _opt_out_listeners.append(listener)


def phone_or_none(number: str) -> str | None:
    """E.164, or None for a sender that is not a phone number (a short code, an alphanumeric
    sender id): phone-number columns cannot even be queried with it."""
    try:
        return normalize_phone(number)
    except ValidationError:
        return None


def _normalize(number: str) -> str:
    return phone_or_none(number) or number


def number_opted_out(number: str) -> bool:
    return SmsOptOut.objects.filter(number=_normalize(number), opted_out=True).exists()


def numbers_not_opted_out(numbers) -> list[str]:
    """The numbers that did not text STOP (one query), in their order — what a broadcast reaches."""
    normalized = {number: _normalize(number) for number in dict.fromkeys(numbers)}
    stopped = {
        str(number)
        for number in SmsOptOut.objects.filter(number__in=list(normalized.values()), opted_out=True).values_list(
            "number", flat=True
        )
    }
    return [number for number, e164 in normalized.items() if e164 not in stopped]


def sms_opt_out_set(*, number: str, opted_out: bool) -> SmsOptOut:
    """STOP/START (seed 001, CTIA keywords): recorded per number and honoured before every send;
    leads with this phone get `sms_opted_out` too (the listener leads registers)."""
    number = _normalize(number)
    record, _ = SmsOptOut.objects.update_or_create(
        number=number, defaults={"opted_out": opted_out, "updated_at": timezone.now()}
    )
    for listener in _opt_out_listeners:
        listener(number, opted_out)
    return record


def keyword_of(body: str) -> str | None:
    word = (body or "").strip().upper().rstrip(".!")
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return None
