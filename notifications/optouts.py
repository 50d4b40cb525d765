"""SMS opt-outs (seed 001, CTIA keywords): STOP/START keywords, the state per number and brand
(notifications.consent keeps the ledger), honoured before every send."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db.models import Q

from accounts.models import Membership
from accounts.normalize import normalize_phone

from .models import SmsOptOut

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
START_WORDS = {"START", "UNSTOP", "YES", "OPTIN"}

# Called with (number, brand_id) after a number's consent toward a brand (None: every sender)
# changed. Leads registers the copy onto `Lead.sms_opted_out` at start-up (leads.apps):
# notifications never imports the apps above it.
_opt_out_listeners: list[Callable[[str, int | None], None]] = []


def on_opt_out_change(listener: Callable[[str, int | None], None]) -> None:
    if listener not in _opt_out_listeners:
        _opt_out_listeners.append(listener)


def notify_opt_out_listeners(number: str, brand_id: int | None) -> None:
    for listener in _opt_out_listeners:
        listener(number, brand_id)


def phone_or_none(number: str) -> str | None:
    """E.164, or None for a sender that is not a phone number (a short code, an alphanumeric
    sender id): phone-number columns cannot even be queried with it."""
    try:
        return normalize_phone(number)
    except ValidationError:
        return None


def _normalize(number: str) -> str:
    return phone_or_none(number) or number


def number_opted_out(number: str, brand=None) -> bool:
    """Opted out toward `brand` or every sender of ours (brand None: every-sender opt-outs only)."""
    from .consent import may_text  # the ledger builds on this module

    return bool(number) and not may_text(number, brand)


def numbers_not_opted_out(numbers, brand=None) -> list[str]:
    """The numbers that did not opt out (toward `brand`, or every sender) — one query, in their
    order: what a broadcast reaches."""
    normalized = {number: _normalize(number) for number in dict.fromkeys(numbers)}
    scope = Q(brand__isnull=True) | (Q(brand_id=getattr(brand, "pk", brand)) if brand is not None else Q(pk__in=[]))
    stopped = {
        str(number)
        for number in SmsOptOut.objects.filter(scope, number__in=list(normalized.values()), opted_out=True).values_list(
            "number", flat=True
        )
    }
    return [number for number, e164 in normalized.items() if e164 not in stopped]


def location_numbers_opted_out(location) -> set[str]:
    """The Location's numbers that opted out (toward every sender of ours, or its brand) and did
    not opt in since — its distribution list and its team's own mobiles (escalations) — in one
    query."""
    team_mobiles = Membership.objects.filter(location=location).exclude(user__mobile="").values("user__mobile")
    numbers = SmsOptOut.objects.filter(
        Q(brand__isnull=True) | Q(brand_id=location.brand_id),
        Q(number__in=list(location.sms_distribution_list)) | Q(number__in=team_mobiles),
        opted_out=True,
    )
    return {str(number) for number in numbers.values_list("number", flat=True)}


def sms_opt_out_set(
    *, number: str, opted_out: bool, brand=None, source: str = "staff", message: str = "", actor=None, location=None
):
    """An opt-out or opt-in through the consent ledger (notifications.consent): the event and the
    current state in one transaction; leads with this phone in that brand follow (the listener)."""
    from .consent import consent_record

    return consent_record(
        number=number,
        brand=brand,
        kind="opt_out" if opted_out else "opt_in",
        source=source,
        message=message,
        actor=actor,
        location=location,
    )


def keyword_of(body: str) -> str | None:
    word = (body or "").strip().upper().rstrip(".!")
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return None
