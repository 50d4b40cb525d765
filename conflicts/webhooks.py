"""Reply by e-mail (seed 004): django-anymail's inbound webhook at /webhooks/email/inbound/.

The provider comes from settings.INBOUND_EMAIL_PROVIDER (mailgun by default) and anymail
verifies each request (basic auth from ANYMAIL["WEBHOOK_SECRET"] plus the provider's signature,
e.g. MAILGUN_WEBHOOK_SIGNING_KEY): an unverified post is a 400 and changes nothing. Verified mail
reaches `anymail.signals.inbound`, whose receiver hands it to conflicts.services.
"""

from __future__ import annotations

import importlib
import logging

from anymail.signals import inbound
from django.conf import settings
from django.dispatch import receiver
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger(__name__)

_VIEWS = {
    "mailgun": ("anymail.webhooks.mailgun", "MailgunInboundWebhookView"),
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
    return _provider_view()(request, *args, **kwargs)


def _addresses(message) -> list[str]:
    found = [a.addr_spec for a in (message.to or [])] + [a.addr_spec for a in (message.cc or [])]
    if getattr(message, "envelope_recipient", None):
        found.append(message.envelope_recipient)
    return [a for a in found if a]


@receiver(inbound, dispatch_uid="conflicts.inbound_reply")
def handle_inbound(sender, event, esp_name, **kwargs):
    from .services import conflict_reply_received

    message = event.message
    if message is None:
        return
    sender_address = message.from_email.addr_spec if message.from_email else (message.envelope_sender or "")
    body = message.text or getattr(message, "stripped_text", None) or ""
    outcome = conflict_reply_received(recipients=_addresses(message), sender=sender_address, body=body)
    logger.info("inbound reply from %s: %s", sender_address, outcome)
