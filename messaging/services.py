"""Messaging writes: office messages, read state, lead texts and inbound texts (DESIGN.md "Messaging")."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import LocationPhoneNumber
from accounts.permissions import Action, require
from leads.contact_sequence import lead_record_contact
from leads.models import Lead
from leads.services import lead_set_status
from notifications.consent import consent_record, first_inbound_text_record, may_text
from notifications.models import ConsentEvent, Notification
from notifications.optouts import keyword_of, phone_or_none, sms_opt_out_set
from notifications.outbox import location_sms_sender, notify_location, queue_notifications, sms_row
from notifications.receipts import webhook_receipt_first
from notifications.revocation import revocation_of
from pronexis.errors import Refused

from .cards import PAYMENT_REFUSAL, contains_card_number, redact_card_numbers
from .models import MessageRead, OfficeMessage, SmsMessage

logger = logging.getLogger(__name__)

OPT_OUT_CONFIRMATION = "You will receive no more texts from this number. Reply START to receive them again."
BROADCAST_REPLY = (
    "This number does not accept replies. Please log in to the ProNexis Portal to read your messages, "
    "or call your ProNexis office line. Reply STOP to stop these texts."
)


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
    from_phone, to_phone = phone_or_none(from_number), phone_or_none(to_number)
    with transaction.atomic():
        # Before acting: a redelivered STOP must not opt the number out again after a START.
        if not webhook_receipt_first(source="twilio-sms", key=message_sid):
            return None
        keyword = keyword_of(body)
        # A request in words ("please stop texting me", "para") revokes consent too (FCC 2024
        # order); Twilio answers its own keywords, so only these get our one confirmation.
        revoked = None if keyword else revocation_of(body)
        line = (
            LocationPhoneNumber.objects.filter(number=to_phone).select_related("location").first() if to_phone else None
        )
        broadcast = settings.TWILIO_BROADCAST_SENDER
        to_broadcast = to_phone is not None and to_phone == phone_or_none(broadcast)
        # Consent is per brand (the Location's line); the shared broadcast sender speaks for
        # every brand, so a STOP there withholds every sender of ours (brand None).
        location = line.location if line is not None and not to_broadcast else None
        if (keyword or revoked) and from_phone:
            sms_opt_out_set(
                number=from_phone,
                opted_out=keyword != "start",
                brand=location.brand_id if location else None,
                source=ConsentEvent.Source.KEYWORD if keyword else ConsentEvent.Source.PHRASE,
                message=body,
                location=location,
            )
        if to_broadcast or (line is None and messaging_service_sid and messaging_service_sid == broadcast):
            return None if keyword else (OPT_OUT_CONFIRMATION if revoked else BROADCAST_REPLY)
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
                if not keyword and not revoked:
                    if from_phone:  # texting us first is consent to be answered (the ledger keeps it once)
                        first_inbound_text_record(
                            number=from_phone, brand=line.location.brand_id, location=line.location, message=text
                        )
                    if lead is not None:
                        lead_record_contact(lead=lead)  # a reply is a contact: the sequence stops
        except IntegrityError:  # stored before receipts were kept
            return None
    if redacted:
        return PAYMENT_REFUSAL
    return OPT_OUT_CONFIRMATION if revoked else None


def lead_no_texts_record(*, lead, actor, note: str = ""):
    """The lead asked on a call not to be texted (FCC 2024: consent is revoked by any reasonable
    means): an opt-out of the lead's number toward its brand in the consent ledger, honoured by
    every text from now on. Refused (409) for a lead without a phone number."""
    require(actor, Action.RECORD_NO_TEXTS, lead.location)
    if not lead.phone:
        raise Refused("This lead has no phone number to stop texting.")
    return consent_record(
        number=lead.phone,
        brand=lead.brand_id,
        kind=ConsentEvent.Kind.OPT_OUT,
        source=ConsentEvent.Source.AGENT_ON_CALL,
        message=note.strip() or "Asked on a call not to be texted.",
        actor=actor,
        location=lead.location,
    )


# --- office messages ----------------------------------------------------------------------
def office_message_create(
    *,
    location,
    actor,
    caller_name: str,
    callback_number: str,
    category: str,
    urgent: bool = False,
    body: str,
    lead=None,
) -> OfficeMessage:
    """Seed 002 "When we take messages": the agent's message, e-mailed to the Location (with SMS
    reminders to the distribution list, seed 001); a message about a lead in process sets it
    `owner_action` (`messaged`) in the same transaction. The call center takes messages
    (Action.TAKE_MESSAGE)."""
    require(actor, Action.TAKE_MESSAGE, location)
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
            taken_by=actor if getattr(actor, "pk", None) else None,
        )
        if lead is not None and lead.status == Lead.Status.IN_PROCESS:
            lead_set_status(
                lead=lead,
                status=Lead.Status.OWNER_ACTION,
                reason="messaged",
                actor=actor,
                actor_kind="agent",
                note=f"Office message #{message.pk} taken.",
            )
        notify_location(
            location=location,
            kind=Notification.Kind.OFFICE_MESSAGE,
            subject=message,
            context={"message": message},
            idempotency_key=f"office_message:{message.pk}",
            push=urgent,  # an urgent message pages the owner's devices (issue #11)
        )
    return message


def message_mark_read(*, user, message: OfficeMessage) -> None:
    """Read state per user (DESIGN.md "Several locations")."""
    MessageRead.objects.bulk_create([MessageRead(user=user, message=message)], ignore_conflicts=True)


def message_mark_unread(*, user, message: OfficeMessage) -> None:
    MessageRead.objects.filter(user=user, message=message).delete()


# --- lead texts ---------------------------------------------------------------------------
CONVERSATION_WINDOW = timedelta(hours=24)


def _conversational(*, lead, kind: str) -> bool:
    """An agent's reply within 24 h of the lead's own text is conversation, not an automated
    text: the compliance gate does not hold it (issue #14). Everything else to a lead is gated."""
    if kind != Notification.Kind.LEAD_SMS or lead.pk is None:
        return False
    since = timezone.now() - CONVERSATION_WINDOW
    return SmsMessage.objects.filter(lead=lead, direction=SmsMessage.Direction.INBOUND, created_at__gte=since).exists()


def send_lead_sms(*, lead, actor, body: str = "", kind: str = "lead_sms", idempotency_key: str | None = None):
    """A text to a lead from the Location's SMS number (seed 001), threaded on the lead.

    Refused (ValidationError on `body`, 400) when the text contains a card number; Refused (409)
    when the Location has no texting number or the lead no phone. An opted-out lead gets a
    `suppressed` row and no provider call. An empty `body` renders `notifications/sms/<kind>.txt`
    (the contact sequence's `sms_intro`). Returns the SmsMessage (None when nothing can be sent
    for the contact sequence's intro). Agents text leads (Action.TEXT_LEAD); the contact sequence
    texts as the SYSTEM actor."""
    location = lead.location
    if location is not None:  # a lead no Location took has no texting number: refused below
        require(actor, Action.TEXT_LEAD, location)
    sender = location_sms_sender(location) if location else ""
    if not lead.phone or not sender:
        if kind == "sms_intro":
            return None
        raise Refused(
            "This lead cannot be texted: "
            + ("no phone number." if not lead.phone else "the Location has no texting number.")
        )
    key = idempotency_key or f"lead-sms:{lead.pk}:{uuid.uuid4().hex}"
    row = sms_row(
        gated=not _conversational(lead=lead, kind=kind),
        to=lead.phone,
        kind=kind,
        subject=lead,
        location=location,
        context={"lead": lead},
        key=key,
        sender=sender,
        body=(body or "").strip() or None,
    )
    if contains_card_number(row.body):
        raise ValidationError({"body": [PAYMENT_REFUSAL]})
    opted_out = lead.sms_opted_out or not may_text(lead.phone, lead.brand_id)
    with transaction.atomic():
        if opted_out:
            row.status = Notification.Status.SUPPRESSED
            row.last_error = "The recipient texted STOP."
            row.created_at = row.next_attempt_at = timezone.now()
            Notification.objects.bulk_create([row], ignore_conflicts=True)
        else:
            queue_notifications([row])
        notification = Notification.objects.get(idempotency_key=key)
        message, _ = SmsMessage.objects.get_or_create(
            notification=notification,
            defaults=dict(
                location=location,
                lead=lead,
                direction=SmsMessage.Direction.OUTBOUND,
                body=notification.body,
                from_number=sender,
                to_number=lead.phone,
                sent_by=actor if getattr(actor, "pk", None) else None,
            ),
        )
    return message
