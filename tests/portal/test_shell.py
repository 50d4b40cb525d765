"""The installable shell: manifest, service worker, offline page, and the live pulse that
every portal page polls (badges, tab title, Action Center refresh)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from messaging.models import MessageRead
from tests.clients import login
from tests.factories import ConflictFactory, OfficeMessageFactory, SameDayRequestFactory

pytestmark = pytest.mark.django_db
STATIC = Path(settings.BASE_DIR) / "static"


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", header[16:24])


def test_manifest_makes_the_portal_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["name"] == "ProNexis Portal"
    assert manifest["short_name"] == "ProNexis"
    assert manifest["start_url"] == "/dashboard/"
    assert manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        path = STATIC / icon["src"].removeprefix(settings.STATIC_URL)
        width, height = png_size(path)
        assert f"{width}x{height}" == icon["sizes"]


def test_service_worker_is_served_at_the_root_for_the_whole_portal(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    for handler in ("install", "fetch", "push", "notificationclick"):
        assert f'addEventListener("{handler}"' in body
    assert '"/offline/"' in body


def test_offline_page_is_the_same_for_everyone(client, tenant_a):
    anonymous = client.get("/offline/")
    owner = login(tenant_a.owner).get("/offline/")
    assert anonymous.status_code == owner.status_code == 200
    assert tenant_a.owner.email.encode() not in owner.content
    assert b"You are offline" in anonymous.content


def _plain_routes(resolver=None, prefix=""):
    """Every URL without a path parameter (a new page joins by itself)."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _plain_routes(entry, route)
        elif isinstance(entry, URLPattern) and "<" not in route and not route.startswith(("admin", "api/", "webhooks")):
            yield "/" + route.lstrip("^").rstrip("$")


def test_every_portal_page_links_the_manifest_and_polls_live(tenant_a):
    client = login(tenant_a.owner)
    pages = 0
    for url in sorted(set(_plain_routes())):
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        if url == "/offline/":
            assert b'rel="manifest"' in response.content
            continue
        pages += 1
        assert b'<link rel="manifest" href="/manifest.webmanifest">' in response.content, url
        assert b'data-live-url="/live/"' in response.content, url
        assert b'data-live-count="action_center"' in response.content, url
    assert pages >= 6  # dashboard, leads, calendar, messages, reports, routing, settings…


def test_agents_pages_do_not_poll_the_owner_pulse(agent):
    response = login(agent).get("/agent/")
    assert response.status_code == 200
    assert b'rel="manifest"' in response.content
    assert b"data-live-url" not in response.content


def test_live_needs_a_login(client):
    response = client.get("/live/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_live_counts_what_waits_and_answers_304_until_something_changes(tenant_a, tenant_b):
    location = tenant_a.location
    ConflictFactory(location=location)
    SameDayRequestFactory(location=location)
    urgent = OfficeMessageFactory(location=location, urgent=True)
    OfficeMessageFactory(location=location, urgent=False)
    client = login(tenant_a.owner)

    first = client.get("/live/")
    assert first.status_code == 200
    data = first.json()
    assert (data["conflicts"], data["same_day"], data["urgent_messages"], data["unread_messages"]) == (1, 1, 1, 2)
    assert data["action_center"] == 3
    assert data["poll_seconds"] == settings.LIVE_POLL_SECONDS
    etag = first["ETag"]
    assert first["Cache-Control"] == "private, no-cache"

    unchanged = client.get("/live/", HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304
    assert unchanged.content == b""

    # Another tenant's new item changes nothing here (scoped), …
    ConflictFactory(location=tenant_b.location)
    OfficeMessageFactory(location=tenant_b.location, urgent=True)
    assert client.get("/live/", HTTP_IF_NONE_MATCH=etag).status_code == 304

    # … a new item of ours does; reading the urgent message lowers the unread count only: it
    # waits in the Action Center until someone called back (issue #11).
    ConflictFactory(location=location)
    changed = client.get("/live/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed.json()["conflicts"] == 2
    MessageRead.objects.create(user=tenant_a.owner, message=urgent)
    read = client.get("/live/", HTTP_IF_NONE_MATCH=changed["ETag"])
    assert read.status_code == 200
    assert (read.json()["urgent_messages"], read.json()["unread_messages"]) == (1, 1)
    urgent.handled_at = timezone.now()
    urgent.save(update_fields=["handled_at"])
    handled = client.get("/live/", HTTP_IF_NONE_MATCH=read["ETag"])
    assert handled.status_code == 200
    assert (handled.json()["urgent_messages"], handled.json()["action_center"]) == (0, 3)


def test_live_sees_an_answer_even_when_a_new_item_keeps_the_count(tenant_a):
    pending = ConflictFactory(location=tenant_a.location)
    client = login(tenant_a.owner)
    etag = client.get("/live/")["ETag"]
    pending.status = "declined"
    pending.save(update_fields=["status"])
    ConflictFactory(location=tenant_a.location)
    response = client.get("/live/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["conflicts"] == 1


def test_live_is_one_query_whatever_waits(tenant_a, django_assert_num_queries):
    client = login(tenant_a.owner)
    client.get("/live/")  # warm the session
    for _ in range(5):
        ConflictFactory(location=tenant_a.location)
        OfficeMessageFactory(location=tenant_a.location, urgent=True)
    # session, user, the user's access (agent group / brands / memberships), the Locations the
    # switcher may choose, the pulse
    with django_assert_num_queries(5):
        assert client.get("/live/").json()["action_center"] == 10
