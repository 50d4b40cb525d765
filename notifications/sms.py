"""SMS backends, chosen by settings.SMS_BACKEND like Django's e-mail backends.

- `TwilioBackend`: the real `twilio` client; `TWILIO_API_BASE_URL` points it at another API base
  (the fake server of `notifications/fake_twilio.py` in tests and benchmarks).
- `ConsoleBackend`: prints the text (`make run`).
- `LocmemBackend`: keeps the texts in `notifications.sms.outbox` (tests), like django.core.mail.outbox.

`send()` returns the provider's message id, or raises `SmsTemporaryError` (429/503, or the
request never left: retry later), `SmsPermanentError` (invalid number, opted out: final) or
`SmsOutcomeUnknown` (the request went out but no answer came back: the provider may have the
text, so no blind retry). `find_accepted()` looks a text up in the provider's message list: the
reconciliation of rows whose fate is unknown.
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


class SmsOutcomeUnknown(SmsError):
    """The request reached the provider (or may have) but its answer was lost: read timeout,
    connection reset after sending. Only the provider's message list can tell whether it sent."""


class BaseSmsBackend:
    def send(self, *, to: str, body: str, sender: str, status_callback: str | None = None) -> str:
        raise NotImplementedError

    def find_accepted(self, *, to: str, body: str, sender: str, since: datetime) -> list[str]:
        """Provider ids of texts with this recipient, body and sender that the provider accepted
        since `since` (sent or not yet), newest first."""
        return []


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

    def find_accepted(self, *, to, body, sender, since) -> list[str]:
        return [
            sms.sid
            for sms in reversed(outbox)
            if (sms.to, sms.body, sms.sender) == (to, body, sender) and sms.sent_at >= since
        ]


class ConsoleBackend(LocmemBackend):
    stream = sys.stdout

    def send(self, *, to, body, sender, status_callback=None) -> str:
        sid = super().send(to=to, body=body, sender=sender)
        self.stream.write(f"SMS {sid} from {sender} to {to}:\n{body}\n{'-' * 40}\n")
        self.stream.flush()
        return sid


class TwilioBackend(BaseSmsBackend):
    """The real Twilio REST client; `TWILIO_API_BASE_URL` overrides https://api.twilio.com."""

    # Texts looked at per reconciliation: the recipient's newest messages.
    reconcile_limit = 200

    def __init__(self):
        from twilio.rest import Client

        self.client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=_lean_http_client(timeout=settings.TWILIO_HTTP_TIMEOUT),
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
        except Exception as error:
            if _never_sent(error):  # refused, connect timeout: Twilio has nothing
                raise SmsTemporaryError(f"network error before sending: {error}")
            if _is_network_error(error):  # read timeout, reset: Twilio may have accepted it
                raise SmsOutcomeUnknown(f"no answer from Twilio: {error}")
            raise
        return message.sid

    def find_accepted(self, *, to, body, sender, since) -> list[str]:
        """Listed by recipient only, never filtered on DateSent: a text Twilio accepted but has
        not sent yet has no DateSent (and a Messaging Service text no From until it is sent), so
        the creation time and the sender are checked here."""
        from twilio.base.exceptions import TwilioRestException

        found = []
        try:
            for message in self.client.messages.stream(to=to, limit=self.reconcile_limit, page_size=100):
                created = message.date_created
                if created is not None and created < since:
                    continue  # the list is ordered by DateSent, not creation: no early stop
                if (message.body or "") == body and sender in (message.from_, message.messaging_service_sid):
                    found.append(message.sid)
        except TwilioRestException as error:
            raise _classify(error)
        except Exception as error:
            if _is_network_error(error):
                raise SmsTemporaryError(f"network error: {error}")
            raise
        return found


def _lean_http_client(*, timeout: float):
    """Twilio's own HTTP client (requests, one kept-alive session) without the per-request work
    that gives the same answer for every text (issue #17): `requests` read the proxy and CA
    settings from the environment and merged the session's cookies, hooks and auth into each
    request — half of a send's CPU (cProfile of 1,000 texts against the fake server). Here the
    environment is read once per API origin and the request is prepared directly with the
    session's default headers under Twilio's own; the request, its body, auth, timeout, errors
    and answer are those of Twilio's client."""
    from urllib.parse import urlsplit

    from requests import PreparedRequest
    from requests.structures import CaseInsensitiveDict
    from twilio.http.http_client import TwilioHttpClient
    from twilio.http.response import Response

    class LeanTwilioHttpClient(TwilioHttpClient):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self._send_settings: dict[tuple[str, str], dict] = {}

        def _settings_for(self, url: str) -> dict:
            """Proxies and TLS verification for this origin, as requests derives them from the
            environment (HTTPS_PROXY, NO_PROXY, REQUESTS_CA_BUNDLE…) — once, not per text."""
            parts = urlsplit(url)
            origin = (parts.scheme, parts.netloc)
            if origin not in self._send_settings:
                self._send_settings[origin] = self.session.merge_environment_settings(
                    f"{parts.scheme}://{parts.netloc}/", self.proxy, None, None, None
                )
            return self._send_settings[origin]

        def request(
            self, method, url, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False
        ):
            if timeout is None:
                timeout = self.timeout
            elif timeout <= 0:
                raise ValueError(timeout)
            merged = CaseInsensitiveDict(self.session.headers)
            merged.update(headers or {})
            json_body = merged.get("Content-Type") in ("application/json", "application/scim+json")
            prepared = PreparedRequest()
            prepared.prepare(
                method=method.upper(),
                url=url,
                params=params,
                headers=merged,
                auth=auth,
                data=None if json_body else data,
                json=data if json_body else None,
            )
            response = self.session.send(
                prepared, allow_redirects=allow_redirects, timeout=timeout, **self._settings_for(url)
            )
            return Response(int(response.status_code), response.text, response.headers)

    return LeanTwilioHttpClient(timeout=timeout)


def _is_network_error(error: Exception) -> bool:
    import requests

    return isinstance(error, requests.RequestException | OSError)


def _never_sent(error: Exception) -> bool:
    """True when the request cannot have reached the provider: no connection was made."""
    import requests
    from urllib3.exceptions import ConnectTimeoutError

    # (Not a TLS error: one can also break a response on a reused connection; unknown is safe.)
    if isinstance(error, requests.ConnectTimeout | ConnectionRefusedError):
        return True
    if isinstance(error, requests.ConnectionError):
        reason = getattr(error.args[0], "reason", None) if error.args else None
        return isinstance(reason, ConnectTimeoutError)  # includes NewConnectionError (refused, DNS)
    return False


def _classify(error) -> SmsError:
    status, code = error.status, error.code
    text = f"Twilio {status}" + (f" error {code}" if code else "") + f": {error.msg or PERMANENT_CODES.get(code, '')}"
    if code in PERMANENT_CODES:
        return SmsPermanentError(text, code=code, status=status)
    if status in TEMPORARY_STATUSES or code == 20429:
        return SmsTemporaryError(text, code=code, status=status)
    return SmsPermanentError(text, code=code, status=status)


LEGACY_PREFIX = "messaging.sms."  # SMS_BACKEND values written before the backends moved here


def _backend_class(path: str | None):
    path = path or settings.SMS_BACKEND
    if path.startswith(LEGACY_PREFIX):  # a deployed environment keeps working unedited
        path = "notifications.sms." + path.removeprefix(LEGACY_PREFIX)
    return import_string(path)


def _twilio_key(backend_class) -> tuple:
    return (
        backend_class,
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        settings.TWILIO_API_BASE_URL,
        settings.TWILIO_HTTP_TIMEOUT,
    )


def get_backend(path: str | None = None) -> BaseSmsBackend:
    backend_class = _backend_class(path)
    if issubclass(backend_class, TwilioBackend):
        # One client per process and configuration: its HTTP session keeps the connection to
        # Twilio alive between sends (a new client per text cost a TLS handshake each).
        return _twilio_backend(*_twilio_key(backend_class))
    return backend_class()


@functools.lru_cache(maxsize=8)
def _twilio_backend(backend_class, account_sid, auth_token, base_url, timeout) -> BaseSmsBackend:
    return backend_class()


_per_thread = threading.local()


def thread_backend() -> BaseSmsBackend:
    """`get_backend()` for one of the threads that send a batch (notifications.batch): a Twilio
    client per thread and configuration, each with its own keep-alive HTTP session (a requests
    Session is not thread-safe, and its pool keeps only 10 connections to a host)."""
    backend_class = _backend_class(None)
    if not issubclass(backend_class, TwilioBackend):
        return backend_class()
    key = _twilio_key(backend_class)
    backends = getattr(_per_thread, "backends", None)
    if backends is None:
        backends = _per_thread.backends = {}
    if key not in backends:
        backends[key] = backend_class()
    return backends[key]
