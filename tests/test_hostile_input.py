"""The hostile-input net over every URL pattern (see tests/hostile.py): no input answers 5xx."""

from __future__ import annotations

import base64
import logging
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from accounts.models import ApiToken
from notifications.webhooks import twilio_signature
from tests.clients import login
from tests.factories import make_agent
from tests.support_leads import CallRecordFactory

from .hostile import Net, all_routes
from .isolation import OBJECT_KWARGS

pytestmark = pytest.mark.django_db


def _twilio(path, data):
    return {"HTTP_X_TWILIO_SIGNATURE": twilio_signature(path, {k: str(v) for k, v in data.items()})}


def _mailgun(path, data):
    secret = base64.b64encode(settings.ANYMAIL["WEBHOOK_SECRET"].encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {secret}"}


def _mailgun_payload():
    import hashlib
    import hmac
    import json

    timestamp, token = str(int(time.time())), "t" * 50
    key = settings.ANYMAIL["MAILGUN_WEBHOOK_SIGNING_KEY"].encode()
    signature = hmac.new(key, f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    headers = [["From", "owner@example.test"], ["To", "reply@example.test"], ["Subject", "Re: conflict"]]
    return {
        "timestamp": timestamp,
        "token": token,
        "signature": signature,
        "recipient": "reply@example.test",
        "sender": "owner@example.test",
        "message-headers": json.dumps(headers),
        "body-plain": "Yes",
    }


@pytest.fixture
def world(tenant_a):
    """Tenant A with one row of every kind a URL names, a call record, an agent."""
    values = {name: make(tenant_a) for name, make in OBJECT_KWARGS.items()}
    CallRecordFactory(location=tenant_a.location)
    values["future"] = (timezone.now() + timedelta(days=3)).isoformat()
    values["future_end"] = (timezone.now() + timedelta(days=3, hours=1)).isoformat()
    return tenant_a, make_agent(email="net-agent@example.test"), values


@pytest.fixture
def quiet():
    """Thousands of expected 4xx answers: keep their log lines out of the test output."""
    logging.disable(logging.CRITICAL)
    yield
    logging.disable(logging.NOTSET)


def test_no_input_answers_a_server_error(world, quiet, settings):
    # The net tests input handling, not the per-token budget (tests/test_api_throttles.py does):
    # thousands of requests from one user would otherwise stop at 429 before reaching the code.
    settings.API_THROTTLE_RATES = {"token": "1000000/minute", "session": "1000000/minute"}
    tenant, agent, values = world
    started = time.monotonic()
    net = Net(
        signers={"/webhooks/twilio/": _twilio, "/webhooks/email/": _mailgun},
        payloads={
            "/webhooks/twilio/sms/": {"MessageSid": "SM1", "From": "+13475550001", "To": "+17185550190", "Body": "Hi"},
            "/webhooks/twilio/status/": {"MessageSid": "SM1", "MessageStatus": "delivered", "ErrorCode": ""},
            "/webhooks/email/": _mailgun_payload(),
        },
    )
    routes = all_routes()
    assert len(routes) > 60, "the net should see every URL pattern"
    owner = login(tenant.owner, raise_request_exception=False)
    agent_client = login(agent, raise_request_exception=False)
    net.walk_pages(owner, "owner", routes, values)
    net.walk_pages(agent_client, "agent", routes, values, with_paths=False)  # path values: once is enough
    schema = SchemaGenerator().get_schema(request=None, public=True)
    # The API as integrations call it: the agent's token; and as the portal's own calls: the owner's session.
    _, key = ApiToken.issue(user=agent, name="net agent", scope="agent")
    net.walk_api(
        Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {key}"), "agent token", schema, values
    )
    net.walk_api(owner, "owner", schema, values)
    print(f"hostile-input net: {net.requests} requests in {time.monotonic() - started:.0f} s")
    distinct = list({finding.key: finding for finding in net.findings}.values())
    assert distinct == [], f"{len(distinct)} kinds of server error:\n" + "\n".join(map(str, distinct))
