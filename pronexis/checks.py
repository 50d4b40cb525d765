"""Production secrets: the webhook secrets have published `dev-…` defaults so `make run` and the
tests work without configuration. With DEBUG off a default (or unset) secret would let anyone
forge a Twilio STOP or an e-mail reply, so `check --deploy` reports it as an error and the web
and worker entry points (pronexis.entrypoints) refuse to start."""

from __future__ import annotations

import json
import logging
from functools import wraps

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.http import HttpResponse

logger = logging.getLogger(__name__)

# Every development default in settings.py starts with this; a real secret never should.
DEVELOPMENT_VALUE_PREFIX = "dev-"


def _development_valued(value: str | None) -> bool:
    # Basic auth is "user:password": either half at a development value gives it away.
    return not value or any(part.startswith(DEVELOPMENT_VALUE_PREFIX) for part in value.split(":"))


def development_secrets() -> list[str]:
    """The environment variables of webhook secrets that are unset or development-valued."""
    anymail = getattr(settings, "ANYMAIL", {})
    secrets = {
        "TWILIO_AUTH_TOKEN": settings.TWILIO_AUTH_TOKEN,
        "ANYMAIL_WEBHOOK_SECRET": anymail.get("WEBHOOK_SECRET"),
    }
    if (settings.INBOUND_EMAIL_PROVIDER or "mailgun").lower() == "mailgun":
        secrets["MAILGUN_WEBHOOK_SIGNING_KEY"] = anymail.get("MAILGUN_WEBHOOK_SIGNING_KEY")
    return [name for name, value in secrets.items() if _development_valued(value)]


@register(Tags.security, deploy=True)
def check_webhook_secrets(app_configs=None, **kwargs) -> list[Error]:
    if settings.DEBUG:
        return []
    return [
        Error(
            f"{name} is unset or a development value ({DEVELOPMENT_VALUE_PREFIX}…) while DEBUG is off: "
            "forged webhooks would be accepted.",
            hint=f"Set {name} to the provider's secret in the environment.",
            id="pronexis.E001",
        )
        for name in development_secrets()
    ]


def refuses_development_secrets(*names: str):
    """A webhook view that, with DEBUG off (outside tests) and one of the secrets `names` unset or
    development-valued, answers 503 without reading the request: a published secret verifies
    anyone's forgery. The entry points already refuse to start (pronexis.entrypoints); this
    holds for any other way of serving. 503, so providers that retry (Mailgun) deliver again
    once the secret is set."""

    def decorate(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not settings.DEBUG and not settings.TESTING:
                unusable = [name for name in development_secrets() if name in names]
                if unusable:
                    logger.error("Webhook %s refused: %s unset or a development value.", request.path, unusable)
                    return HttpResponse("Webhook secret not configured.", status=503, content_type="text/plain")
            return view(request, *args, **kwargs)

        return guarded

    return decorate


def vapid_key_problems() -> list[str]:
    """What is wrong with the Web Push keys for production ([] when push is off or they are
    fine): the development pair of `make run` (its file's key, or the dev- contact), a key that
    is not a P-256 private key, a public key that is not its pair (browsers would subscribe
    with a key the pushes are not signed with: every push refused)."""
    private_key, public_key = settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY
    if not private_key and not public_key:
        return []
    from .vapid import vapid_public_key_of

    problems = []
    development_file = settings.VAPID_DEVELOPMENT_KEYS_FILE
    try:
        development_key = json.loads(development_file.read_text()).get("private_key")
    except (OSError, ValueError, AttributeError):  # no file (production), or not ours
        development_key = None
    if development_key and development_key == private_key:
        problems.append(f"VAPID_PRIVATE_KEY is the development key of {development_file.name}")
    try:
        if vapid_public_key_of(private_key or "") != public_key:
            problems.append("VAPID_PUBLIC_KEY is not the public key of VAPID_PRIVATE_KEY")
    except ValueError:
        problems.append("VAPID_PRIVATE_KEY is not a P-256 private key (32 bytes, base64url)")
    email = settings.VAPID_CLAIMS_EMAIL or ""
    if "@" not in email or email.startswith(DEVELOPMENT_VALUE_PREFIX):
        problems.append("VAPID_CLAIMS_EMAIL is unset or a development value (push services write to it)")
    return problems


@register(Tags.security, deploy=True)
def check_vapid_keys(app_configs=None, **kwargs) -> list[Error]:
    if settings.DEBUG:
        return []
    return [
        Error(
            f"{problem} while DEBUG is off.",
            hint="Make a pair with `manage.py vapid_keys` and set the three VAPID_* settings in the environment.",
            id="pronexis.E002",
        )
        for problem in vapid_key_problems()
    ]
