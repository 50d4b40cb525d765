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
        assert client.get("/" + route).status_code in (401, 405), route


@pytest.mark.django_db
def test_every_webhook_refuses_unsigned_requests(client):
    routes = _routes(("webhooks/",), with_params=True)
    assert routes, "the portal has webhooks"
    for route in routes:
        response = client.post("/" + route, {"From": "+12125550100", "Body": "hello"})
        assert response.status_code in (400, 401, 403), f"/{route} → {response.status_code}"
