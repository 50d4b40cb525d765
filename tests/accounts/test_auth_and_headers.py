import pytest
from django.core import mail

from tests.factories import PASSWORD


@pytest.mark.django_db
def test_login_then_straight_to_the_page_asked_for(client, tenant_a):
    response = client.get("/settings/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/?next=/settings/")
    response = client.post(
        "/accounts/login/?next=/settings/",
        {"username": tenant_a.owner.email.upper(), "password": PASSWORD, "next": "/settings/"},
    )
    assert response.status_code == 302 and response.url == "/settings/"


@pytest.mark.django_db
def test_lockout_after_repeated_failures(client, tenant_a, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": tenant_a.owner.email, "password": "wrong"})
    response = client.post("/accounts/login/", {"username": tenant_a.owner.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()


@pytest.mark.django_db
def test_password_reset_sends_a_link(client, tenant_a):
    response = client.post("/accounts/password/reset/", {"email": tenant_a.owner.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "/accounts/password/reset/" in mail.outbox[0].body


@pytest.mark.django_db
def test_every_response_has_server_timing_and_security_headers(client, tenant_a):
    client.force_login(tenant_a.owner)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    assert response["Server-Timing"].startswith("total;dur=") and "sql;dur=" in response["Server-Timing"]
    csp = response["Content-Security-Policy"]
    assert "'nonce-" in csp and "unsafe-eval" not in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    # htmx is served from our own static files with the page's nonce.
    body = response.content.decode()
    assert 'src="/static/django_htmx/htmx' in body and "cdn" not in body.lower()


@pytest.mark.django_db
def test_healthz(client):
    assert client.get("/healthz/").json() == {"status": "ok"}


def test_deploy_checks_pass_with_production_settings():
    import os
    import subprocess
    import sys

    from tests.test_production_secrets import PRODUCTION_ENV

    env = {**os.environ, **PRODUCTION_ENV}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
