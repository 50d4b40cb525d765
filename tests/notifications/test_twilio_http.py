"""The Twilio backend's HTTP client (notifications.sms._lean_http_client): Twilio's own client
minus the per-text work that always gives the same answer — the same request on the wire, the
environment's proxy still honoured."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from notifications.sms import TwilioBackend

CREATED = b'{"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued", "to": "+19175550100"}'


class Capture(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list

    def log_message(self, format, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(CREATED)))
        self.end_headers()
        self.wfile.write(CREATED)


@pytest.fixture
def capture():
    handler = type("Bound", (Capture,), {"seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server, handler.seen
    server.shutdown()
    server.server_close()


def _send_with(client: Client, base_url: str) -> str:
    client.api.base_url = base_url
    return client.messages.create(to="+19175550100", from_="+18885550199", body="Your visit is at 9 AM ✓").sid


def test_the_lean_client_puts_on_the_wire_what_twilios_own_client_does(capture, settings):
    server, seen = capture
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.TWILIO_API_BASE_URL = base_url
    reference = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=TwilioHttpClient(timeout=5))

    assert _send_with(reference, base_url) == TwilioBackend().send(
        to="+19175550100", sender="+18885550199", body="Your visit is at 9 AM ✓"
    )

    (method, path, headers, body), (lean_method, lean_path, lean_headers, lean_body) = seen
    assert (lean_method, lean_path, lean_body) == (method, path, body)
    assert lean_headers == headers  # auth, user agent, content type, accept, keep-alive…
    assert headers["authorization"].startswith("Basic ")


def test_the_environments_proxy_is_still_used(capture, settings, monkeypatch):
    """Proxy settings are read once per API origin instead of per text — but still read."""
    server, seen = capture
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    settings.TWILIO_API_BASE_URL = "http://api.twilio.invalid"

    backend = TwilioBackend()
    for n in range(2):
        backend.send(to="+19175550100", sender="+18885550199", body=f"text {n}")

    assert [path for _, path, _, _ in seen] == [
        f"http://api.twilio.invalid/2010-04-01/Accounts/{settings.TWILIO_ACCOUNT_SID}/Messages.json"
    ] * 2  # the absolute form: the request went through the proxy
