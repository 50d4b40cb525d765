"""Reply by e-mail (seed 004): django-anymail's inbound webhook at /webhooks/email/inbound/.

The provider comes from settings.INBOUND_EMAIL_PROVIDER (mailgun by default) and anymail
verifies each request (basic auth from ANYMAIL["WEBHOOK_SECRET"] plus the provider's signature,
e.g. MAILGUN_WEBHOOK_SIGNING_KEY): an unverified post is a 400 and changes nothing. Verified mail
reaches `anymail.signals.inbound`, whose receiver hands it to conflicts.services.

Mailgun's signature alone does not stop a replay: `MailgunInboundView` also refuses (400) a
timestamp that is not a number or is older (or newer) than INBOUND_EMAIL_MAX_AGE seconds, and a
token already used. Mailgun's `store()` route (attachments as JSON) and JSON posts are not the
`forward()` shape anymail reads: 406, which Mailgun does not retry (fix the route instead).
"""

from __future__ import annotations

import importlib
import logging
import re
import time

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.signals import inbound
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt

from notifications.receipts import webhook_receipt_first

logger = logging.getLogger(__name__)

UNSUPPORTED_SHAPE = (
    "This endpoint reads Mailgun's forward() route (fields and attachment-N files); "
    "store() routes (attachments as JSON) and JSON posts are not accepted."
)


class MailgunInboundView(MailgunInboundWebhookView):
    """anymail's Mailgun inbound view with replay protection (Mailgun's own advice: a fresh
    timestamp and a token used once) and a 4xx, not a 500, for shapes anymail cannot read."""

    def validate_request(self, request):
        # anymail runs every validate_request of the class chain, this one first: the timestamp
        # and token are checked before they are hashed for the signature.
        timestamp, token = request.POST.get("timestamp", ""), request.POST.get("token", "")
        if not re.fullmatch(r"[0-9]{1,12}", timestamp) or not re.fullmatch(r"[!-~]{1,200}", token):
            raise AnymailWebhookValidationFailure("Mailgun webhook with a malformed timestamp or token")
        if abs(time.time() - int(timestamp)) > settings.INBOUND_EMAIL_MAX_AGE:
            raise AnymailWebhookValidationFailure("Mailgun webhook timestamp outside the freshness window")

    def post(self, request, *args, **kwargs):
        if request.content_type == "application/json" or "attachments" in request.POST:
            return HttpResponse(UNSUPPORTED_SHAPE, status=406, content_type="text/plain")
        with transaction.atomic():  # the token is spent only if the mail is acted on
            self.run_validators(request)
            if not webhook_receipt_first(source="mailgun", key=request.POST["token"]):
                raise AnymailWebhookValidationFailure("Mailgun webhook token already used")
            try:
                events = self.parse_events(request)
            except (ValueError, KeyError, TypeError):  # e.g. message-headers that are not JSON
                logger.warning("malformed Mailgun inbound post", exc_info=True)
                return HttpResponse("Malformed Mailgun inbound post.", status=400, content_type="text/plain")
            for event in events:
                self.signal.send(sender=self.__class__, event=event, esp_name=self.esp_name)
        return HttpResponse()


_VIEWS = {
    "mailgun": ("conflicts.webhooks", "MailgunInboundView"),
    "postmark": ("anymail.webhooks.postmark", "PostmarkInboundWebhookView"),
    "sendgrid": ("anymail.webhooks.sendgrid", "SendGridInboundWebhookView"),
    "mailjet": ("anymail.webhooks.mailjet", "MailjetInboundWebhookView"),
    "mandrill": ("anymail.webhooks.mandrill", "MandrillCombinedWebhookView"),
    "sparkpost": ("anymail.webhooks.sparkpost", "SparkPostInboundWebhookView"),
    "brevo": ("anymail.webhooks.brevo", "BrevoInboundWebhookView"),
}
_cached = {}


def _provider_view():
    provider = (settings.INBOUND_EMAIL_PROVIDER or "mailgun").lower()
    if provider not in _cached:
        module, name = _VIEWS[provider]
        _cached[provider] = getattr(importlib.import_module(module), name).as_view()
    return _cached[provider]


@csrf_exempt
def inbound_email(request, *args, **kwargs):
    try:
        return _provider_view()(request, *args, **kwargs)
    except (ValueError, KeyError, TypeError) as error:
        # A verified post whose fields the provider's parser cannot read (e.g. message-headers
        # that are not JSON): the sender's mistake, a 400 — never a 500.
        logger.warning("unreadable inbound e-mail payload: %s", error)
        return HttpResponseBadRequest("Unreadable inbound e-mail payload.")


def _addresses(message) -> list[str]:
    found = [a.addr_spec for a in (message.to or [])] + [a.addr_spec for a in (message.cc or [])]
    if getattr(message, "envelope_recipient", None):
        found.append(message.envelope_recipient)
    return [a for a in found if a]


@receiver(inbound, dispatch_uid="conflicts.inbound_reply")
def handle_inbound(sender, event, esp_name, **kwargs):
    from .answers import conflict_reply_received

    message = event.message
    if message is None:
        return
    sender_address = message.from_email.addr_spec if message.from_email else (message.envelope_sender or "")
    body = message.text or getattr(message, "stripped_text", None) or ""
    outcome = conflict_reply_received(recipients=_addresses(message), sender=sender_address, body=body)
    logger.info("inbound reply from %s: %s", sender_address, outcome)
