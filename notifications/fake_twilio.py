"""A small fake of Twilio's Messages API for tests and benchmarks (stdlib only).

    python -m notifications.fake_twilio --port 8765 [--delay 0.01]

- `POST /2010-04-01/Accounts/<sid>/Messages.json` (To, From | MessagingServiceSid, Body,
  StatusCallback) → 201 with a message resource.
- `GET  /2010-04-01/Accounts/<sid>/Messages.json?To=&From=&DateSent>=&DateSent<=&DateSent=`
  → the message list (Twilio's page shape, one page).
- Test controls (JSON): `POST /_fake/errors {"count": 3, "status": 429}` makes the next 3
  creates fail (status 429/503, or `"code": 21610`/`21211` → 400 with that Twilio code);
  `{"count": 1, "hang": 30}` makes the next create record the message and answer 30 s late
  (or when `POST /_fake/release` comes); until it answers, the message is accepted but not
  sent: status `accepted`, no `date_sent`, so a list filtered on DateSent does not show it,
  like a real Twilio message still in its queue; `{"count": 1, "reset": true}` makes the next
  create record the message and reset the connection instead of answering;
  `GET /_fake/stats` → totals and counts per (To, Body) with the duplicates; `POST /_fake/reset`.
Used in-process too: `server = FakeTwilio.start()`, `server.url`, `server.inject(...)`,
`server.stats()`, `server.stop()`.
"""

from __future__ import annotations

import argparse
import io
import json
import socket
import struct
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

ERROR_MESSAGES = {
    21610: "Attempt to send to unsubscribed recipient",
    21211: "The 'To' number is not a valid phone number.",
    429: "Too Many Requests",
    503: "Service Unavailable",
}


class State:
    def __init__(self, delay: float = 0.0):
        self.lock = threading.Lock()
        self.delay = delay
        self.released = threading.Event()  # set by release(): ends every stalled answer at once
        self.reset()

    def reset(self):
        self.release()
        with self.lock:
            self.messages: list[dict] = []
            self.errors: list[dict] = []  # queue of injected failures for the next creates
            self.hangs: list[float] = []  # the next creates record the message, then stall this long
            self.resets = 0  # the next creates record the message, then reset the connection
            self.create_calls = 0
            self.list_calls = 0

    def inject(
        self, *, count: int = 1, status: int = 429, code: int | None = None, hang: float = 0.0, reset: bool = False
    ):
        with self.lock:
            if reset:  # accepted, then the answer is lost on the wire
                self.resets += count
            elif hang:  # accepted by "Twilio" but the answer never comes in time: a crash window
                self.hangs.extend(hang for _ in range(count))
            else:
                self.errors.extend({"status": status, "code": code} for _ in range(count))

    def release(self):
        """Ends the stalled answers; later hangs stall again."""
        with self.lock:
            self.released.set()
            self.released = threading.Event()

    def stats(self) -> dict:
        with self.lock:
            per = Counter((m["to"], m["body"]) for m in self.messages)
            per_to = Counter(m["to"] for m in self.messages)
            return {
                "total": len(self.messages),
                "create_calls": self.create_calls,
                "list_calls": self.list_calls,
                "per_to": dict(per_to),
                "duplicates": [{"to": to, "body": body, "count": n} for (to, body), n in per.items() if n > 1],
                "distinct": len(per),
            }


def _parse_date(value: str) -> datetime:
    value = value.strip()
    if len(value) == 10:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class Handler(BaseHTTPRequestHandler):
    server_version = "FakeTwilio/1.0"
    # Keep-alive like api.twilio.com (HTTP/1.0 closed every connection after one answer, so no
    # client, plain or Twilio's, could reuse one); every answer carries its Content-Length.
    protocol_version = "HTTP/1.1"
    # The headers and the body go out as two writes: without TCP_NODELAY the body waits for the
    # client's delayed ACK (40 ms) on a kept-alive connection.
    disable_nagle_algorithm = True
    state: State  # set on the class made per server

    def log_message(self, format, *args):  # quiet
        pass

    def _json(self, status: int, payload) -> None:
        body = json.dumps(payload, default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/_fake/stats":
            return self._json(200, self.state.stats())
        if url.path == "/_fake/messages":
            with self.state.lock:  # with the fake's own bookkeeping (`_stalled`: answer held back)
                return self._json(200, {"messages": list(self.state.messages)})
        if url.path.endswith("/Messages.json"):
            return self._list(url)
        return self._json(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})

    def do_POST(self):
        url = urlparse(self.path)
        raw = self._body()
        if url.path == "/_fake/errors":
            spec = json.loads(raw or b"{}")
            self.state.inject(
                count=int(spec.get("count", 1)),
                status=int(spec.get("status", 429)),
                code=spec.get("code"),
                hang=float(spec.get("hang", 0)),
                reset=bool(spec.get("reset")),
            )
            return self._json(200, {"ok": True})
        if url.path == "/_fake/reset":
            self.state.reset()
            return self._json(200, {"ok": True})
        if url.path == "/_fake/release":
            self.state.release()
            return self._json(200, {"ok": True})
        if url.path.endswith("/Messages.json"):
            return self._create(url, parse_qs(raw.decode()))
        return self._json(404, {"code": 20404, "message": "not found", "status": 404})

    def _create(self, url, form):
        def one(name):
            return (form.get(name) or [""])[0]

        if self.state.delay:
            time.sleep(self.state.delay)
        with self.state.lock:
            self.state.create_calls += 1
            error = self.state.errors.pop(0) if self.state.errors else None
        if error:
            code = error["code"]
            status = 400 if code else error["status"]
            payload = {
                "code": code or (20429 if status == 429 else 20503),
                "message": ERROR_MESSAGES.get(code or status, "error"),
                "more_info": f"https://www.twilio.com/docs/errors/{code or status}",
                "status": status,
            }
            return self._json(status, payload)
        to, body = one("To"), one("Body")
        if not to or not body:
            return self._json(400, {"code": 21604, "message": "'To' and 'Body' are required", "status": 400})
        now = datetime.now(UTC)
        account = url.path.split("/")[3] if len(url.path.split("/")) > 3 else "AC"
        message = {
            "sid": "SM" + uuid.uuid4().hex,
            "account_sid": account,
            "to": to,
            "from": one("From") or None,
            "messaging_service_sid": one("MessagingServiceSid") or None,
            "body": body,
            "status": "queued",
            "direction": "outbound-api",
            "num_segments": "1",
            "date_created": format_datetime(now, usegmt=True),
            "date_updated": format_datetime(now, usegmt=True),
            "date_sent": format_datetime(now, usegmt=True),
            "error_code": None,
            "error_message": None,
            "price": None,
            "uri": f"{url.path[:-5]}/SM.json",
            "_sent_at": now.isoformat(),
        }
        with self.state.lock:
            hang = self.state.hangs.pop(0) if self.state.hangs else 0
            reset, self.state.resets = self.state.resets > 0, max(self.state.resets - 1, 0)
            message["_stalled"] = bool(hang)
            if hang:  # accepted, not sent yet
                message.update(status="accepted", date_sent=None, _sent_at=None)
            self.state.messages.append(message)
            released = self.state.released
        if reset:
            return self._reset()
        if hang:
            released.wait(hang)
            with self.state.lock:
                sent = datetime.now(UTC)
                message.update(status="sent", date_sent=format_datetime(sent, usegmt=True), _sent_at=sent.isoformat())
        return self._json(201, {k: v for k, v in message.items() if not k.startswith("_")})

    def _reset(self) -> None:
        """RST instead of an answer (SO_LINGER 0); later writes of the handler go nowhere."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.wfile = io.BytesIO()
        self.close_connection = True

    def _list(self, url):
        query = parse_qs(url.query, keep_blank_values=True)
        with self.state.lock:
            self.state.list_calls += 1
            found = [dict(m) for m in self.state.messages]  # a snapshot: a stalled one may be sent meanwhile
        for name, values in query.items():
            value = values[0]
            if name == "To":
                found = [m for m in found if m["to"] == value]
            elif name == "From":
                found = [m for m in found if m["from"] == value]
            elif name.startswith("DateSent"):
                op = name[len("DateSent") :] or (
                    "<" if value.startswith("<=") else ">" if value.startswith(">=") else ""
                )
                bound = _parse_date(value.lstrip("<>="))
                found = [m for m in found if m["_sent_at"]]  # a message not sent yet has no DateSent
                if op == ">":
                    found = [m for m in found if datetime.fromisoformat(m["_sent_at"]) >= bound]
                elif op == "<":
                    found = [m for m in found if datetime.fromisoformat(m["_sent_at"]) <= bound]
                else:
                    found = [m for m in found if datetime.fromisoformat(m["_sent_at"]).date() == bound.date()]
        found.reverse()  # newest first, like Twilio
        return self._json(
            200,
            {
                "messages": [{k: v for k, v in m.items() if not k.startswith("_")} for m in found],
                "end": max(len(found) - 1, 0),
                "first_page_uri": url.path,
                "next_page_uri": None,
                "page": 0,
                "page_size": len(found),
                "previous_page_uri": None,
                "start": 0,
                "uri": self.path,
            },
        )


class _Server(ThreadingHTTPServer):
    # The listen backlog: socketserver's default of 5 overflows when a worker's sending threads
    # connect at once (the kernel drops their SYNs, or the connection dies unanswered).
    request_queue_size = 256


class FakeTwilio:
    """In-process handle: `FakeTwilio.start(port=0)` serves on a thread."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1", delay: float = 0.0):
        self.state = State(delay=delay)
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        self.httpd = _Server((host, port), handler)
        self.httpd.daemon_threads = True
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @classmethod
    def start(cls, port: int = 0, delay: float = 0.0) -> FakeTwilio:
        server = cls(port=port, delay=delay)
        server.thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
        server.thread.start()
        return server

    def stop(self):
        self.state.release()
        self.httpd.shutdown()
        self.httpd.server_close()

    def inject(self, **kwargs):
        self.state.inject(**kwargs)

    def release(self):
        self.state.release()

    def stats(self) -> dict:
        return self.state.stats()

    @property
    def messages(self) -> list[dict]:
        with self.state.lock:
            return list(self.state.messages)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Fake Twilio Messages API")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds each create takes")
    args = parser.parse_args(argv)
    server = FakeTwilio(port=args.port, host=args.host, delay=args.delay)
    print(f"fake twilio listening on {server.url}", flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
