"""Security checks across the whole portal: headers on every page, cookie flags, credentials on
every API and webhook. (`check --deploy`, lockout and token revocation: tests/accounts/.)"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from tests.conftest import token_client

_PARAM = re.compile(r"<(?:\w+:)?\w+>")


def _routes(prefixes=("",), with_params=False):
    """Every URL under the given prefixes; path parameters filled with 1 when `with_params`."""
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith(prefixes) and "(?P<" not in route:
                if not _PARAM.search(route):
                    found.append(route)
                elif with_params:
                    found.append(_PARAM.sub("1", route))

    walk(get_resolver().url_patterns, "")
    return found


def _portal_pages():
    skipped = ("admin/", "api/", "webhooks/", "accounts/logout/", "switch-location/", "healthz/")
    return [r for r in _routes() if not r.startswith(skipped) and "." not in r.rsplit("/", 1)[-1]]


@pytest.mark.django_db
def test_every_portal_page_sends_security_headers(client, tenant_a):
    client.force_login(tenant_a.owner)
    pages = _portal_pages()
    assert "dashboard/" in pages and "settings/" in pages
    for route in pages:
        response = client.get("/" + route)
        assert response.status_code < 500, route
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        csp = response["Content-Security-Policy"]
        assert "'unsafe-eval'" not in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0], route
        assert "frame-ancestors 'none'" in csp, route
        assert response["X-Frame-Options"] == "DENY", route
        assert response["X-Content-Type-Options"] == "nosniff", route
        assert response["Referrer-Policy"] == "same-origin", route
        assert "Server-Timing" in response, route


@pytest.mark.django_db
def test_session_and_csrf_cookies(client, tenant_a):
    from tests.factories import PASSWORD

    page = client.get("/accounts/login/")
    assert page.cookies["csrftoken"]["samesite"] == "Lax"
    response = client.post("/accounts/login/", {"username": tenant_a.owner.email, "password": PASSWORD})
    session = response.cookies["sessionid"]
    assert session["httponly"] and session["samesite"] == "Lax"


def test_production_settings_make_cookies_secure_and_force_https():
    env = {**os.environ, "DEBUG": "0", "TESTING": "0", "SECRET_KEY": "s" * 60, "ALLOWED_HOSTS": "portal.example.com"}
    code = (
        "import django, json; from django.conf import settings; django.setup();"
        "print(json.dumps([settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SECURE_SSL_REDIRECT,"
        " settings.SECURE_HSTS_SECONDS, settings.SESSION_COOKIE_HTTPONLY]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "pronexis.settings"},
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [True, True, True, 31536000, True]


def _api_routes():
    return _routes(("api/v1/",), with_params=True)


def _session_only(route: str) -> bool:
    """An API view that takes no API token (a browser's own push subscription): a token is not
    even read there, so it is refused as 'no credentials' (403), not as a bad token (401)."""
    from django.urls import resolve
    from rest_framework.authentication import SessionAuthentication

    view = getattr(resolve("/" + route).func, "cls", None)
    classes = getattr(view, "authentication_classes", None) or []
    return bool(classes) and all(issubclass(c, SessionAuthentication) for c in classes)


@pytest.mark.django_db
def test_every_api_endpoint_refuses_missing_or_wrong_credentials():
    routes = _api_routes()
    assert routes, "the API has endpoints"
    anonymous = APIClient()
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Token pnx_wrong")
    for route in routes:
        for client in (anonymous, wrong):
            for method in ("get", "post"):
                status = getattr(client, method)("/" + route, {}, format="json").status_code
                assert status in (401, 403, 405), f"{method.upper()} /{route} → {status}"


@pytest.mark.django_db
def test_revoked_token_is_refused_on_every_endpoint(agent):
    from accounts.models import ApiToken

    client = token_client(agent)
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    for route in _api_routes():
        refused = (401, 403, 405) if _session_only(route) else (401, 405)
        assert client.get("/" + route).status_code in refused, route


@pytest.mark.django_db
def test_every_webhook_refuses_unsigned_requests(client):
    routes = _routes(("webhooks/",), with_params=True)
    assert routes, "the portal has webhooks"
    for route in routes:
        response = client.post("/" + route, {"From": "+12125550100", "Body": "hello"})
        assert response.status_code in (400, 401, 403), f"/{route} → {response.status_code}"


# --- inline code, error pages, CSRF, forged webhook signatures --------------------------------
_SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
_NONCE = re.compile(r"'nonce-([^']+)'")
_INLINE_HANDLER = re.compile(r"<[^>]+\s(on[a-z]+)\s*=", re.I)
_STYLE_ATTR = re.compile(r"<[^>]+\sstyle\s*=", re.I)


@pytest.fixture
def object_pages(tenant_a):
    """A page for each kind of tenant object an owner opens (lead, appointment, conflict,
    same-day request, office message, Location settings)."""
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import (
        AppointmentFactory,
        ConflictFactory,
        LeadFactory,
        OfficeMessageFactory,
        SameDayRequestFactory,
    )

    location = tenant_a.location
    lead = LeadFactory(location=location)
    start = timezone.now() + timedelta(days=2)
    appointment = AppointmentFactory(location=location, lead=lead, start=start, end=start + timedelta(hours=1))
    return [
        f"/leads/{lead.pk}/",
        f"/calendar/appointments/{appointment.pk}/",
        f"/conflicts/{ConflictFactory(location=location).pk}/",
        f"/same-day/{SameDayRequestFactory(location=location).pk}/",
        f"/messages/{OfficeMessageFactory(location=location).pk}/",
        f"/settings/{location.pk}/",
        "/calendar/?view=month",
    ]


@pytest.mark.django_db
def test_every_page_runs_only_nonced_scripts_and_no_inline_handlers_or_styles(client, tenant_a, object_pages):
    """The CSP blocks inline code without the request's nonce: every inline <script> carries it,
    every script file is same-origin, and
    no page relies on on*= handlers or style="" attributes (both blocked by the policy)."""
    client.force_login(tenant_a.owner)
    checked = 0
    for url in ["/" + route for route in _portal_pages()] + object_pages:
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        checked += 1
        html = response.content.decode()
        # django-csp adds a nonce only to pages that use one (the offline page has no script).
        nonce = getattr(_NONCE.search(response["Content-Security-Policy"]), "group", lambda _: None)(1)
        for attrs in _SCRIPT.findall(html):
            src = re.search(r'src="([^"]*)"', attrs)
            if src:  # allowed by 'self' only: same origin, no CDN
                assert src.group(1).startswith("/") and not src.group(1).startswith("//"), f"{url}: {src.group(1)}"
            else:
                assert nonce and f'nonce="{nonce}"' in attrs, f"{url}: inline <script{attrs}> has no nonce"
        assert not _INLINE_HANDLER.search(html), f"{url}: inline handler {_INLINE_HANDLER.search(html).group(1)}"
        assert not _STYLE_ATTR.search(html), f"{url}: style attribute"
        assert "javascript:" not in html.lower(), url
    assert checked >= 15, checked


@pytest.mark.django_db
def test_error_pages_and_htmx_fragments_send_security_headers(client, tenant_a):
    client.force_login(tenant_a.owner)
    responses = {
        "404": client.get("/leads/999999999/"),
        "403 agent console": client.get("/agent/"),
        "htmx fragment": client.get("/calendar/?view=week", HTTP_HX_REQUEST="true"),
        "login page": __import__("django.test").test.Client().get("/accounts/login/"),
    }
    assert responses["404"].status_code == 404 and responses["403 agent console"].status_code == 403
    for name, response in responses.items():
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], name
        assert "'unsafe-eval'" not in response["Content-Security-Policy"], name
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert response["X-Frame-Options"] == "DENY", name


@pytest.mark.django_db
def test_every_portal_post_refuses_a_missing_csrf_token(tenant_a):
    """Logged in, every portal route (not the API, not the signed webhooks) refuses a POST
    without the CSRF token before its view runs."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(tenant_a.owner)
    routes = [r for r in _routes(with_params=True) if not r.startswith(("api/", "webhooks/", "admin/", "static/"))]
    assert len(routes) > 30
    for route in routes:
        status = client.post("/" + route, {"decision": "approve"}).status_code
        if route in SIGNED_TOKEN_POSTS:  # no CSRF by design; a token that is not valid changes nothing
            assert status == 410, f"POST /{route} with a bad token → {status}"
            continue
        assert status in (403, 405), f"POST /{route} without CSRF → {status}"


# POSTs whose credential is a signed token in the URL, not a cookie: the service worker that sends
# them has neither session nor CSRF cookie (tests/portal/test_push_got_it.py).
SIGNED_TOKEN_POSTS = {"got-it/1/push/": "a push notification's 'Got it' button (portal.views.got_it_push)"}


@pytest.mark.django_db
def test_session_authenticated_api_writes_need_csrf(tenant_a):
    """The portal's own API calls (session auth) are CSRF-checked; only tokens skip it."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(tenant_a.owner)
    for route in ("/api/v1/leads/", "/api/v1/messages/", "/api/v1/appointments/", "/api/v1/conflicts/"):
        response = client.post(route, {}, format="json")
        assert response.status_code == 403 and "CSRF" in response.json()["detail"], route


@pytest.mark.django_db
def test_webhooks_refuse_forged_signatures(client):
    body = {"From": "+12125550100", "To": "+18885550199", "Body": "STOP", "MessageSid": "SM" + "0" * 32}
    for route in ("/webhooks/twilio/sms/", "/webhooks/twilio/status/"):
        response = client.post(route, body, HTTP_X_TWILIO_SIGNATURE="Zm9yZ2VkIHNpZ25hdHVyZQ==")
        assert response.status_code == 403, route
    forged = client.post(
        "/webhooks/email/inbound/",
        {
            "sender": "owner@example.test",
            "body-plain": "approve",
            "timestamp": "1",
            "token": "t",
            "signature": "0" * 64,
        },
        HTTP_AUTHORIZATION="Basic ZGV2LWluYm91bmQ6d3Jvbmc=",  # dev-inbound:wrong
    )
    assert forged.status_code in (400, 401, 403)
