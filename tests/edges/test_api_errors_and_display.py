"""`/api/…` errors answer JSON (issue #9 item 13); templates show times with the filter that
cannot fail on a stored value (item 5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import include, path

from pronexis import views

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("", include("pronexis.urls")), path("api/v1/boom/", _boom), path("boom/", _boom)]
handler404 = "pronexis.views.page_not_found"
handler500 = "pronexis.views.server_error"


def test_an_unknown_api_url_is_a_json_404(agent_api):
    response = agent_api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json" and response.json() == {"detail": "Not found."}


def test_an_api_path_the_converter_refuses_is_a_json_404(agent_api):
    response = agent_api.post("/api/v1/leads/abc/status/", {}, format="json")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_a_portal_404_is_still_the_html_page(tenant_a):
    client = Client()
    client.force_login(tenant_a.owner)
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_a_server_error_under_api_is_json_and_elsewhere_html(settings):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    api = client.get("/api/v1/boom/")
    assert api.status_code == 500 and api["Content-Type"] == "application/json"
    assert "detail" in api.json()
    page = client.get("/boom/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


def test_a_csrf_refusal_under_api_is_json(tenant_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tenant_a.owner)
    response = client.post("/api/v1/leads/", {}, content_type="application/json")
    assert response.status_code == 403 and response["Content-Type"] == "application/json"


def test_the_csrf_view_is_json_for_api_paths():
    request = RequestFactory().post("/api/v1/leads/")
    response = views.csrf_failure(request, reason="CSRF cookie not set.")
    assert response.status_code == 403 and b"CSRF" in response.content


def test_templates_use_the_zone_filter_that_cannot_fail():
    """Django's `|timezone:` raises OverflowError on a stored year-1 value west of UTC and the
    page answers 500 for good; `|in_zone:` (accounts/templatetags/portal_format.py) shows it."""
    root = Path(settings.BASE_DIR)
    offenders = [
        str(template.relative_to(root))
        for template in root.glob("*/templates/**/*.html")
        if "|timezone:" in template.read_text()
    ]
    assert offenders == []
