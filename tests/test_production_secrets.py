"""No development secret in production (#9 item 3): with DEBUG off, an unset or `dev-…` webhook
secret is a `check --deploy` error naming it, and gunicorn, the Celery worker and beat refuse to
start; docker-compose.yml requires each one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from pronexis.checks import check_webhook_secrets

ROOT = Path(__file__).resolve().parent.parent
SECRETS = ("TWILIO_AUTH_TOKEN", "ANYMAIL_WEBHOOK_SECRET", "MAILGUN_WEBHOOK_SIGNING_KEY")
# What an operator would set: none of them development-valued.
PRODUCTION_ENV = {
    "DEBUG": "0",
    "TESTING": "0",
    "SECRET_KEY": "x" * 64 + "production-like-secret-key-Qz9",
    "ALLOWED_HOSTS": "portal.example.com",
    "PUBLIC_BASE_URL": "https://portal.example.com",
    "TWILIO_AUTH_TOKEN": "f3" * 16,
    "ANYMAIL_WEBHOOK_SECRET": "mailgun-inbound:" + "q7" * 12,
    "MAILGUN_WEBHOOK_SIGNING_KEY": "key-" + "9a" * 16,
}


def _production_settings(**changes):
    anymail = {
        "WEBHOOK_SECRET": PRODUCTION_ENV["ANYMAIL_WEBHOOK_SECRET"],
        "MAILGUN_WEBHOOK_SIGNING_KEY": PRODUCTION_ENV["MAILGUN_WEBHOOK_SIGNING_KEY"],
    }
    values = {
        "DEBUG": False,
        "TWILIO_AUTH_TOKEN": PRODUCTION_ENV["TWILIO_AUTH_TOKEN"],
        "INBOUND_EMAIL_PROVIDER": "mailgun",
    }
    for name, value in changes.items():
        if name == "TWILIO_AUTH_TOKEN":
            values[name] = value
        else:
            anymail[name.removeprefix("ANYMAIL_")] = value
    return override_settings(ANYMAIL=anymail, **values)


def test_production_secrets_pass_the_deploy_check():
    with _production_settings():
        assert check_webhook_secrets() == []


@pytest.mark.parametrize("name", SECRETS)
@pytest.mark.parametrize("value", ["", None, "dev-something", "dev-inbound:dev-inbound-secret"])
def test_deploy_check_names_each_unset_or_development_secret(name, value):
    with _production_settings(**{name: value}):
        errors = check_webhook_secrets()
        assert [error.id for error in errors] == ["pronexis.E001"]
        assert name in errors[0].msg
        with pytest.raises(SystemCheckError, match=name):
            call_command("check", deploy=True)


def test_development_basic_auth_password_is_refused_too():
    with _production_settings(ANYMAIL_WEBHOOK_SECRET="inbound:dev-inbound-secret"):
        assert "ANYMAIL_WEBHOOK_SECRET" in check_webhook_secrets()[0].msg


def test_development_secrets_are_fine_with_debug_on():
    with _production_settings(TWILIO_AUTH_TOKEN="dev-twilio-auth-token"), override_settings(DEBUG=True):
        assert check_webhook_secrets() == []


def _run(command, **env_changes):
    """`command` in a fresh process with production settings, `env_changes` on top."""
    env = {**os.environ, **PRODUCTION_ENV, **env_changes}
    # A guard, not a measure: a worker that failed to refuse would otherwise run forever.
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", SECRETS)
def test_manage_py_check_deploy_fails_naming_a_development_secret(name):
    result = _run([sys.executable, "manage.py", "check", "--deploy"], **{name: ""})
    assert result.returncode != 0
    assert "pronexis.E001" in result.stderr and name in result.stderr


def test_gunicorn_starts_with_production_secrets():
    result = _run([sys.executable, "-m", "gunicorn", "--check-config", "pronexis.wsgi:application"])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", SECRETS)
def test_gunicorn_refuses_a_development_secret(name):
    result = _run([sys.executable, "-m", "gunicorn", "--check-config", "pronexis.wsgi:application"], **{name: ""})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and name in result.stderr


@pytest.mark.parametrize("program", ["worker", "beat"])
def test_celery_refuses_a_development_secret(program, tmp_path):
    extra = ["--pool", "solo"] if program == "worker" else ["--schedule", str(tmp_path / "beat")]
    result = _run(
        [sys.executable, "-m", "celery", "-A", "pronexis", program, "-l", "warning", *extra],
        TWILIO_AUTH_TOKEN="dev-twilio-auth-token",
    )
    assert result.returncode != 0
    assert "Refusing to start" in result.stdout + result.stderr and "TWILIO_AUTH_TOKEN" in result.stdout + result.stderr


def test_docker_compose_requires_every_webhook_secret():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for service in ("web", "worker", "beat"):
        environment = compose["services"][service]["environment"]
        for name in (*SECRETS, "SECRET_KEY"):
            assert str(environment.get(name, "")).startswith(f"${{{name}:?"), f"{service}: {name}"


# --- the webhooks themselves: a forgery signed with a published secret is never acted on ------
@pytest.fixture
def production_with_development_secrets(settings):
    """DEBUG off outside tests, the secrets left at their dev-… defaults (as the test settings are)."""
    settings.DEBUG, settings.TESTING = False, False
    assert "TWILIO_AUTH_TOKEN" in __import__("pronexis.checks").checks.development_secrets()


@pytest.mark.django_db
def test_a_stop_signed_with_the_development_token_is_refused(client, tenant_a, production_with_development_secrets):
    from notifications.models import SmsOptOut
    from notifications.webhooks import twilio_signature

    params = {"From": "+13475550001", "To": "+18885550199", "Body": "STOP", "MessageSid": "SM" + "1" * 32}
    for url in ("/webhooks/twilio/sms/", "/webhooks/twilio/status/"):
        response = client.post(url, params, HTTP_X_TWILIO_SIGNATURE=twilio_signature(url, params))
        assert response.status_code == 503, url
    assert not SmsOptOut.objects.exists()


@pytest.mark.django_db
def test_a_reply_signed_with_the_development_key_is_refused(tenant_a, production_with_development_secrets):
    from conflicts import links
    from tests.conflicts.test_inbound import mailgun_post
    from tests.factories import ConflictFactory

    conflict = ConflictFactory(location=tenant_a.location)
    response = mailgun_post(to=links.reply_to_address(conflict.pk), sender=tenant_a.owner.email, body="Approved")
    assert response.status_code == 503
    conflict.refresh_from_db()
    assert conflict.status == "pending"


@pytest.mark.django_db
def test_webhooks_work_with_production_secrets(client, tenant_a, settings):
    from notifications.webhooks import twilio_signature

    settings.DEBUG, settings.TESTING = False, False
    settings.TWILIO_AUTH_TOKEN = PRODUCTION_ENV["TWILIO_AUTH_TOKEN"]
    settings.ANYMAIL = {
        **settings.ANYMAIL,
        "WEBHOOK_SECRET": PRODUCTION_ENV["ANYMAIL_WEBHOOK_SECRET"],
        "MAILGUN_WEBHOOK_SIGNING_KEY": PRODUCTION_ENV["MAILGUN_WEBHOOK_SIGNING_KEY"],
    }
    params = {"MessageSid": "SM" + "2" * 32, "MessageStatus": "delivered"}
    url = "/webhooks/twilio/status/"
    response = client.post(url, params, HTTP_X_TWILIO_SIGNATURE=twilio_signature(url, params), secure=True)
    assert response.status_code < 300, response.content
