"""SMS backends, chosen by settings.SMS_BACKEND like Django's e-mail backends.

- `TwilioBackend`: the real `twilio` client; `TWILIO_API_BASE_URL` points it at another API base
  (the fake server of `messaging/fake_twilio.py` in tests and benchmarks).
- `ConsoleBackend`: prints the text (`make run`).
- `LocmemBackend`: keeps the texts in `messaging.sms.outbox` (tests), like django.core.mail.outbox.

`send()` returns the provider's message id, or raises `SmsTemporaryError` (429/503, network:
retry later) or `SmsPermanentError` (invalid number, opted out: final). `find_sent()` looks a
text up in the provider's message list: the reconciliation of rows whose fate is unknown.
"""

from __future__ import annotations

import functools
import itertools
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

# Twilio error codes that no retry will fix (https://www.twilio.com/docs/api/errors).
PERMANENT_CODES = {
    21211: "invalid 'To' phone number",
    21408: "permission to send to this region is not enabled",
    21610: "the recipient has opted out (STOP)",
    21612: "the 'To' number cannot be reached from this sender",
    21614: "the 'To' number is not a mobile number",
    30003: "unreachable destination handset",
    30005: "unknown destination handset",
    30006: "landline or unreachable carrier",
}
TEMPORARY_STATUSES = {429, 500, 502, 503, 504}


class SmsError(Exception):
    def __init__(self, message: str, *, code: int | None = None, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.status = status


class SmsTemporaryError(SmsError):
    """Try again later (rate limited, provider unavailable, network)."""


class SmsPermanentError(SmsError):
    """Final: the recipient cannot get this text (invalid, opted out)."""


class BaseSmsBackend:
    def send(self, *, to: str, body: str, sender: str, status_callback: str | None = None) -> str:
        raise NotImplementedError

    def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        """The provider id of a text with this recipient and body sent since `since`, or None."""
        return None


@dataclass
class SentSms:
    to: str
    body: str
    sender: str
    sid: str
    sent_at: datetime = field(default_factory=timezone.now)


outbox: list[SentSms] = []
_sids = itertools.count(1)
_lock = threading.Lock()


def _next_sid() -> str:
    with _lock:
        return f"SMlocmem{next(_sids):024d}"


class LocmemBackend(BaseSmsBackend):
    def send(self, *, to, body, sender, status_callback=None) -> str:
        sms = SentSms(to=to, body=body, sender=sender, sid=_next_sid())
        outbox.append(sms)
        return sms.sid

    def find_sent(self, *, to, body, since) -> str | None:
        for sms in outbox:
            if sms.to == to and sms.body == body and sms.sent_at >= since:
                return sms.sid
        return None


class ConsoleBackend(LocmemBackend):
    stream = sys.stdout

    def send(self, *, to, body, sender, status_callback=None) -> str:
        sid = super().send(to=to, body=body, sender=sender)
        self.stream.write(f"SMS {sid} from {sender} to {to}:\n{body}\n{'-' * 40}\n")
        self.stream.flush()
        return sid


class TwilioBackend(BaseSmsBackend):
    """The real Twilio REST client; `TWILIO_API_BASE_URL` overrides https://api.twilio.com."""

    timeout = 10

    def __init__(self):
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self.client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=TwilioHttpClient(timeout=self.timeout),
        )
        base_url = getattr(settings, "TWILIO_API_BASE_URL", None)
        if base_url:
            # Every request of the Api domain is built from `base_url` (twilio.base.domain.Domain).
            self.client.api.base_url = base_url.rstrip("/")

    def _sender_kwargs(self, sender: str) -> dict:
        if sender.startswith("MG"):  # a Messaging Service SID (broadcasts may use one)
            return {"messaging_service_sid": sender}
        return {"from_": sender}

    def send(self, *, to, body, sender, status_callback=None) -> str:
        from twilio.base.exceptions import TwilioRestException

        kwargs = self._sender_kwargs(sender)
        if status_callback:
            kwargs["status_callback"] = status_callback
        try:
            message = self.client.messages.create(to=to, body=body, **kwargs)
        except TwilioRestException as error:
            raise _classify(error)
        except Exception as error:  # network: connection refused, timeout
            if _is_network_error(error):
                raise SmsTemporaryError(f"network error: {error}")
            raise
        return message.sid

    def find_sent(self, *, to, body, since) -> str | None:
        from twilio.base.exceptions import TwilioRestException

        try:
            for message in self.client.messages.stream(to=to, date_sent_after=since, page_size=100):
                if (message.body or "") == body:
                    return message.sid
        except TwilioRestException as error:
            raise _classify(error)
        except Exception as error:
            if _is_network_error(error):
                raise SmsTemporaryError(f"network error: {error}")
            raise
        return None


def _is_network_error(error: Exception) -> bool:
    import requests

    return isinstance(error, requests.RequestException | OSError)


def _classify(error) -> SmsError:
    status, code = error.status, error.code
    text = f"Twilio {status}" + (f" error {code}" if code else "") + f": {error.msg or PERMANENT_CODES.get(code, '')}"
    if code in PERMANENT_CODES:
        return SmsPermanentError(text, code=code, status=status)
    if status in TEMPORARY_STATUSES or code == 20429:
        return SmsTemporaryError(text, code=code, status=status)
    return SmsPermanentError(text, code=code, status=status)


def get_backend(path: str | None = None) -> BaseSmsBackend:
    backend_class = import_string(path or settings.SMS_BACKEND)
    if issubclass(backend_class, TwilioBackend):
        # One client per process and configuration: its HTTP session keeps the connection to
        # Twilio alive between sends (a new client per text cost a TLS handshake each).
        return _twilio_backend(
            backend_class, settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_API_BASE_URL
        )
    return backend_class()


@functools.lru_cache(maxsize=8)
def _twilio_backend(backend_class, account_sid, auth_token, base_url) -> BaseSmsBackend:
    return backend_class()
