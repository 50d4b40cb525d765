"""A local push service (a thread HTTP server standing in for FCM / Mozilla autopush) and
browser-like devices whose keys the tests hold, so a push can be decrypted as the browser would."""

from __future__ import annotations

import base64
import json
import os
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from notifications.models import PushSubscription
from pronexis.vapid import decode_base64url, generate_vapid_keys


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class PushRequest:
    path: str
    headers: dict
    body: bytes


@dataclass
class PushService:
    """Answers `status` (default 201) to every POST and records it."""

    server: ThreadingHTTPServer
    received: list[PushRequest] = field(default_factory=list)
    status: int = 201

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def requests_to(self, subscription: PushSubscription) -> list[PushRequest]:
        path = subscription.endpoint.removeprefix(self.url)
        return [request for request in self.received if request.path == path]


@pytest.fixture
def push_service():
    service: PushService

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            service.received.append(PushRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(service.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service = PushService(server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield service
    server.shutdown()
    server.server_close()


@pytest.fixture
def vapid(settings):
    """A fresh VAPID pair in the settings (push is on)."""
    keys = generate_vapid_keys()
    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = keys["private_key"], keys["public_key"]
    settings.VAPID_CLAIMS_EMAIL = "ops@pronexis.example"
    return keys


@dataclass
class Device:
    """A browser's side of a subscription: its P-256 key pair and auth secret."""

    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    def decrypt(self, request: PushRequest) -> dict:
        return json.loads(
            http_ece.decrypt(request.body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm")
        )


def new_device() -> Device:
    return Device(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))


@pytest.fixture
def subscribe(push_service):
    """subscribe(user) → (PushSubscription, Device): a device of `user` at the local push service."""

    def make(user, name: str | None = None):
        device = new_device()
        subscription = PushSubscription.objects.create(
            user=user,
            endpoint=f"{push_service.url}/push/{name or b64url(os.urandom(9))}",
            p256dh=device.p256dh,
            auth=b64url(device.auth),
            user_agent="Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36",
        )
        return subscription, device

    return make


def verify_vapid(authorization: str, public_key: str, audience: str) -> dict:
    """Checks a `vapid t=<JWT>, k=<public key>` header (RFC 8292): the key is ours and the JWT is
    ES256-signed by it for this push service's origin. Returns the JWT's claims."""
    scheme, _, params = authorization.partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    assert fields["k"] == public_key
    header, claims, signature = fields["t"].split(".")
    raw = decode_base64url(signature)
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), decode_base64url(public_key))
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
    assert json.loads(decode_base64url(header)) == {"typ": "JWT", "alg": "ES256"}
    payload = json.loads(decode_base64url(claims))
    assert payload["aud"] == audience
    return payload
