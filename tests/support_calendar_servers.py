"""Real calendar servers for the calendar-truth tests (DESIGN.md "Calendar truth"):
`Radicale` runs the radicale CalDAV server from PyPI on a free local port (stoppable and
restartable on the same port and storage), `IcsServer` serves one ICS body over HTTP with an
ETag and answers 304 to a matching If-None-Match."""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import caldav

USER, PASSWORD = "owner", "app-password-123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Radicale:
    def __init__(self, folder: Path):
        self.folder, self.port, self.process = folder, free_port(), None
        (folder / "users").write_text(f"{USER}:{PASSWORD}\n")
        self.base = f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--server-hosts", f"127.0.0.1:{self.port}",
             "--storage-filesystem-folder", str(self.folder / "storage"), "--auth-type", "htpasswd",
             "--auth-htpasswd-filename", str(self.folder / "users"), "--auth-htpasswd-encryption", "plain",
             "--logging-level", "error"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(200):  # up to 10 s for the server to listen (a readiness wait, not a timed test)
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("radicale did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def client(self, password: str = PASSWORD) -> caldav.DAVClient:
        return caldav.DAVClient(url=self.base, username=USER, password=password)

    def new_calendar(self, name: str) -> caldav.Calendar:
        """An empty calendar of the test user (its URL is what an owner pastes)."""
        principal = self.client().principal()
        return principal.make_calendar(name=name, cal_id=name)

    def calendar_url(self, name: str) -> str:
        return f"{self.base}{USER}/{name}/"


class IcsServer:
    """Serves `body` at any path; `requests` counts the GETs and `not_modified` the 304s."""

    def __init__(self, body: bytes = b""):
        self.body, self.requests, self.not_modified, self.status = body, 0, 0, 200
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                server.requests += 1
                etag = '"' + hashlib.sha256(server.body).hexdigest()[:16] + '"'
                if server.status != 200:
                    self.send_response(server.status)
                    self.end_headers()
                    return
                if self.headers.get("If-None-Match") == etag:
                    server.not_modified += 1
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/owner/basic.ics"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
