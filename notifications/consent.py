"""The consent ledger (issue #14): every opt-in and opt-out of a phone number toward a brand,
with what caused it, and the one question every text to a lead asks: `may_text(number, brand)`.

Each event is a `ConsentEvent` row (append-only in PostgreSQL) written in the same transaction
as the current state (`SmsOptOut`, the fast table `may_text` reads). Sources: the capture API's
`sms_consent`, a lead's first text, STOP/START keywords, a request in words, Twilio's 21610, an
agent marking it on a call, staff.

Twilio blocks a number that texted STOP to a sender until it texts START there, whatever we
record: so an opt-in from a form or a first text is kept in the ledger but does not lift an
opt-out the lead made by keyword or that Twilio reported (21610) — only START (or staff) does.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.permissions import SYSTEM
from pronexis.locks import lock

from .models import ConsentEvent, SmsOptOut
from .optouts import notify_opt_out_listeners, phone_or_none

Kind = ConsentEvent.Kind
Source = ConsentEvent.Source

# Opt-outs Twilio itself enforces at the sender: only START texted there lifts them.
CARRIER_OPT_OUTS = {Source.KEYWORD, Source.TWILIO_21610}
LIFTS_CARRIER_OPT_OUTS = {Source.KEYWORD, Source.STAFF}


def _brand_id(brand) -> int | None:
    return getattr(brand, "pk", brand)


def _actor_fields(actor, source: str) -> dict:
    """Who: the lead themselves (texts), a user, an API token, or the system."""
    if source in (Source.KEYWORD, Source.PHRASE, Source.FIRST_INBOUND_TEXT):
        return {"actor_kind": ConsentEvent.ActorKind.LEAD}
    if actor is None or actor is SYSTEM or not getattr(actor, "is_authenticated", False):
        return {"actor_kind": ConsentEvent.ActorKind.SYSTEM}
    token = getattr(actor, "api_token", None)
    if token is not None:
        return {
            "actor_kind": ConsentEvent.ActorKind.TOKEN,
            "actor_token_id": token.pk,
            "actor_user_id": actor.pk,
            "actor_label": f"API token {token.name}"[:254],
        }
    return {"actor_kind": ConsentEvent.ActorKind.USER, "actor_user_id": actor.pk, "actor_label": actor.email[:254]}


def consent_record(
    *,
    number: str,
    brand,
    kind: str,
    source: str,
    message: str = "",
    actor=None,
    location=None,
    source_url: str = "",
    consented_at=None,
) -> ConsentEvent | None:
    """Appends one event and brings the current state along in the same transaction. `brand`
    None: every sender of ours (a STOP to the shared broadcast sender). Returns None for a
    sender that is not a phone number (a short code cannot be texted back anyway)."""
    e164 = phone_or_none(number)
    if e164 is None:
        return None
    brand_id = _brand_id(brand)
    now = timezone.now()
    with transaction.atomic():
        event = ConsentEvent.objects.create(
            number=e164,
            brand_id=brand_id,
            location_id=getattr(location, "pk", location),
            kind=kind,
            source=source,
            message=(message or "")[:2000],
            source_url=(source_url or "")[:500],
            consented_at=consented_at,
            at=now,
            **_actor_fields(actor, source),
        )
        current = lock(SmsOptOut.objects.filter(number=e164, brand_id=brand_id)).first()
        opted_out = kind == Kind.OPT_OUT
        if not opted_out and (current is None or not current.opted_out):
            # An opt-in where nothing was withheld: the ledger has it, the state needs no row.
            return event
        if not opted_out and current.source in CARRIER_OPT_OUTS and source not in LIFTS_CARRIER_OPT_OUTS:
            return event  # Twilio still blocks this sender until the lead texts START
        if current is None:
            SmsOptOut.objects.create(number=e164, brand_id=brand_id, opted_out=True, source=source, updated_at=now)
        else:
            SmsOptOut.objects.filter(pk=current.pk).update(opted_out=opted_out, source=source, updated_at=now)
        notify_opt_out_listeners(e164, brand_id)
    return event


def opted_out_rows(number: str, brand):
    """The opt-outs that withhold texts to `number` from `brand`: its own and every-sender ones."""
    e164 = phone_or_none(number) or number
    scope = Q(brand__isnull=True)
    if _brand_id(brand) is not None:
        scope |= Q(brand_id=_brand_id(brand))
    return SmsOptOut.objects.filter(scope, number=e164, opted_out=True)


def may_text(number: str, brand) -> bool:
    """Whether an automated or agent's text may go to `number` on behalf of `brand` (one query):
    checked when a text is queued and again right before it is sent."""
    if not number:
        return False
    return not opted_out_rows(number, brand).exists()


def withheld_texts(pairs) -> set[tuple[str, int | None]]:
    """`may_text` for many (number, brand id) pairs in one query (a batch of the outbox): the
    pairs that may not be texted."""
    pairs = set(pairs)
    e164 = {number: phone_or_none(number) or number for number, _ in pairs if number}
    opted_out = set(
        SmsOptOut.objects.filter(number__in=set(e164.values()), opted_out=True).values_list("number", "brand_id")
    )
    return {
        (number, brand)
        for number, brand in pairs
        if not number or (e164[number], None) in opted_out or (brand is not None and (e164[number], brand) in opted_out)
    }


def consent_history(number: str, brand):
    """The ledger of `number` toward `brand` (every-sender events included), newest first."""
    e164 = phone_or_none(number) or number
    scope = Q(brand__isnull=True)
    if _brand_id(brand) is not None:
        scope |= Q(brand_id=_brand_id(brand))
    return ConsentEvent.objects.filter(scope, number=e164).order_by("-at", "-id")


def consent_history_newest(number: str, brand, *, limit: int) -> list[ConsentEvent]:
    """`consent_history(number, brand)[:limit]` with its SQL written out (the lead page's budget:
    building the ORM query cost more than running it)."""
    sql = (
        f"SELECT * FROM {ConsentEvent._meta.db_table} WHERE number = %s AND (brand_id IS NULL OR brand_id = %s)"
        " ORDER BY at DESC, id DESC LIMIT %s"
    )
    return list(ConsentEvent.objects.raw(sql, [phone_or_none(number) or number, _brand_id(brand), limit]))


def first_inbound_text_record(*, number: str, brand, location, message: str) -> ConsentEvent | None:
    """A lead's first text to the brand is consent to be answered (recorded once per number and brand)."""
    e164 = phone_or_none(number)
    if e164 is None:
        return None
    already = ConsentEvent.objects.filter(
        number=e164, brand_id=_brand_id(brand), source=Source.FIRST_INBOUND_TEXT
    ).exists()
    if already:
        return None
    return consent_record(
        number=e164, brand=brand, kind=Kind.OPT_IN, source=Source.FIRST_INBOUND_TEXT, message=message,
        location=location,
    )  # fmt: skip
