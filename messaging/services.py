"""Messaging writes: office messages, read state, SMS opt-outs, inbound texts (DESIGN.md "Messaging")."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import LocationPhoneNumber
from accounts.normalize import normalize_phone

from .cards import PAYMENT_REFUSAL, redact_card_numbers
from .models import MessageRead, OfficeMessage, SmsMessage, SmsOptOut, WebhookReceipt
from .outbox import notify_location

logger = logging.getLogger(__name__)

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
START_WORDS = {"START", "UNSTOP", "YES", "OPTIN"}
BROADCAST_REPLY = (
    "This number does not accept replies. Please log in to the ProNexis Portal to read your messages, "
    "or call your ProNexis office line. Reply STOP to stop these texts."
)


def _phone(number: str) -> str | None:
    """E.164, or None for a sender that is not a phone number (a short code, an alphanumeric
    sender id): phone-number columns cannot even be queried with it."""
    try:
        return normalize_phone(number)
    except ValidationError:
        return None


def _normalize(number: str) -> str:
    return _phone(number) or number


# --- webhook replays ---------------------------------------------------------------------
def webhook_receipt_first(*, source: str, key: str) -> bool:
    """True the first time a webhook delivery with this provider id is seen (a Twilio MessageSid,
    a Mailgun token); False for a redelivery or a replay, which must change nothing. Call it in
    the transaction that acts on the delivery: if acting fails, the receipt rolls back with it
    and the provider's retry is acted on. A concurrent duplicate waits on the unique index."""
    _, created = WebhookReceipt.objects.get_or_create(source=source, key=key)
    return created


TWILIO_RECEIPT_DAYS = 30  # Twilio redelivers within hours; a month is ample


def webhook_receipts_prune(*, now=None) -> int:
    """Forgets receipts no replay can use any more: a Mailgun token past the freshness window
    is refused for its timestamp anyway."""
    from datetime import timedelta

    from django.db.models import Q

    now = now or timezone.now()
    stale = Q(source="mailgun", received_at__lt=now - timedelta(seconds=2 * settings.INBOUND_EMAIL_MAX_AGE)) | Q(
        received_at__lt=now - timedelta(days=TWILIO_RECEIPT_DAYS)
    )
    return WebhookReceipt.objects.filter(stale).delete()[0]


# --- opt-outs -----------------------------------------------------------------------------
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
    leads with this phone get `sms_opted_out` too."""
    from leads.models import Lead

    number = _normalize(number)
    record, _ = SmsOptOut.objects.update_or_create(
        number=number, defaults={"opted_out": opted_out, "updated_at": timezone.now()}
    )
    Lead.objects.filter(phone=number).update(sms_opted_out=opted_out)
    return record


def keyword_of(body: str) -> str | None:
    word = (body or "").strip().upper().rstrip(".!")
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return None


# --- inbound texts ------------------------------------------------------------------------
def sms_inbound_receive(
    *,
    message_sid: str,
    from_number: str,
    to_number: str,
    body: str,
    media: list[dict] | tuple = (),
    messaging_service_sid: str = "",
) -> str | None:
    """`/webhooks/twilio/sms/`: returns the text to answer with (TwiML), or None. A MessageSid
    seen before changes nothing (Twilio redelivers).

    - To the broadcast sender (its number, or a number of its Messaging Service when the
      broadcasts go out through one): STOP/START recorded; anything else gets the fixed
      "does not accept replies" answer (seed 001: SMS office messages are broadcast only).
    - To a Location's number: STOP/START recorded; the text is stored once per MessageSid with
      its MMS media, card numbers redacted first, threaded on the lead with that phone at that
      Location; a sender of a card number is told payment details are never taken by text.
    """
    from leads.models import Lead
    from leads.services import lead_record_contact

    from_phone, to_phone = _phone(from_number), _phone(to_number)
    with transaction.atomic():
        # Before acting: a redelivered STOP must not opt the number out again after a START.
        if not webhook_receipt_first(source="twilio-sms", key=message_sid):
            return None
        keyword = keyword_of(body)
        if keyword and from_phone:
            sms_opt_out_set(number=from_phone, opted_out=keyword == "stop")
        line = (
            LocationPhoneNumber.objects.filter(number=to_phone).select_related("location").first() if to_phone else None
        )
        broadcast = settings.TWILIO_BROADCAST_SENDER
        to_broadcast = to_phone is not None and to_phone == _phone(broadcast)
        if to_broadcast or (line is None and messaging_service_sid and messaging_service_sid == broadcast):
            return None if keyword else BROADCAST_REPLY
        if line is None:
            logger.info("inbound SMS %s to an unknown number %s", message_sid, to_number)
            return None
        text, redacted = redact_card_numbers(body)
        lead = (
            Lead.objects.filter(location=line.location, phone=from_phone).order_by("-created_at", "-id").first()
            if from_phone
            else None
        )
        try:
            with transaction.atomic():
                SmsMessage.objects.create(
                    location=line.location,
                    lead=lead,
                    direction=SmsMessage.Direction.INBOUND,
                    body=text,
                    from_number=from_phone or from_number,
                    to_number=to_phone,
                    message_sid=message_sid,
                    redacted=redacted,
                    media=list(media),
                )
                if lead is not None and not keyword:
                    lead_record_contact(lead=lead)  # a reply is a contact: the sequence stops
        except IntegrityError:  # stored before receipts were kept
            return None
    return PAYMENT_REFUSAL if redacted else None


# --- office messages ----------------------------------------------------------------------
def office_message_create(
    *,
    location,
    taken_by,
    caller_name: str,
    callback_number: str,
    category: str,
    urgent: bool = False,
    body: str,
    lead=None,
) -> OfficeMessage:
    """Seed 002 "When we take messages": the agent's message, e-mailed to the Location (with SMS
    reminders to the distribution list, seed 001); a message about a lead in process sets it
    `owner_action` (`messaged`) in the same transaction."""
    from leads.models import Lead
    from leads.services import lead_set_status

    if lead is not None and lead.location_id != location.pk:
        raise ValidationError({"lead": ["This lead belongs to another Location."]})
    with transaction.atomic():
        message = OfficeMessage.objects.create(
            location=location,
            lead=lead,
            caller_name=caller_name,
            callback_number=callback_number,
            category=category,
            urgent=urgent,
            body=body,
            taken_by=taken_by,
        )
        if lead is not None and lead.status == Lead.Status.IN_PROCESS:
            lead_set_status(
                lead=lead,
                status=Lead.Status.OWNER_ACTION,
                reason="messaged",
                actor=taken_by,
                actor_kind="agent",
                note=f"Office message #{message.pk} taken.",
            )
        notify_location(
            location=location,
            kind="office_message",
            subject=message,
            context={"message": message},
            idempotency_key=f"office_message:{message.pk}",
        )
    return message


def message_mark_read(*, user, message: OfficeMessage) -> None:
    """Read state per user (DESIGN.md "Several locations")."""
    MessageRead.objects.bulk_create([MessageRead(user=user, message=message)], ignore_conflicts=True)


def message_mark_unread(*, user, message: OfficeMessage) -> None:
    MessageRead.objects.filter(user=user, message=message).delete()
