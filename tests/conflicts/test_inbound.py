"""Reply by e-mail through anymail's Mailgun inbound webhook (seed 004)."""

import base64
import hashlib
import hmac
import json
import time
import uuid

import pytest
from django.conf import settings
from django.test import Client

from conflicts import links
from conflicts.models import Callback, Conflict
from notifications.models import Notification
from tests.factories import ConflictFactory

pytestmark = pytest.mark.django_db
URL = "/webhooks/email/inbound/"


def mailgun_post(*, to, sender, body, signing_key=None, auth=True, timestamp=None, token=None, **fields):
    """Mailgun's forward() post; each delivery has its own token, as Mailgun's do."""
    key = (signing_key or settings.ANYMAIL["MAILGUN_WEBHOOK_SIGNING_KEY"]).encode()
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    token = token or uuid.uuid4().hex
    signature = hmac.new(key, f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    headers = [["From", sender], ["To", to], ["Subject", "Re: Schedule conflict"], ["Message-Id", "<1@mail.test>"]]
    data = {
        "timestamp": timestamp,
        "token": token,
        "signature": signature,
        "recipient": to,
        "sender": sender,
        "message-headers": json.dumps(headers),
        "body-plain": body,
        **fields,
    }
    extra = {}
    if auth:
        extra["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(settings.ANYMAIL["WEBHOOK_SECRET"].encode()).decode()
    return Client(raise_request_exception=False).post(URL, data, **extra)


@pytest.fixture
def conflict(tenant_a):
    return ConflictFactory(location=tenant_a.location, requested_meeting_type="client_home")


def test_owner_reply_approves(conflict, tenant_a):
    response = mailgun_post(
        to=links.reply_to_address(conflict.pk),
        sender=tenant_a.owner.email,
        body="Yes, approved!\n\nSent from my iPhone\n\nOn Tue, ProNexis wrote:\n> Decline: https://x",
    )
    assert response.status_code == 200
    conflict.refresh_from_db()
    assert conflict.status == "approved" and conflict.response_channel == "email_reply"
    assert conflict.responded_by == tenant_a.owner
    assert Callback.objects.filter(conflict=conflict).exists()


def test_notification_address_reply_suggests_an_alternate_meeting_type(conflict, tenant_a):
    sender = tenant_a.location.notification_emails[0]
    mailgun_post(to=links.reply_to_address(conflict.pk), sender=f"Office <{sender}>", body="phone instead please")
    conflict.refresh_from_db()
    assert conflict.status == "alternate_suggested" and conflict.alternate_meeting_type == "phone"
    assert conflict.responded_by is None


def test_unparseable_reply_gets_help_and_changes_nothing(conflict, tenant_a):
    mailgun_post(to=links.reply_to_address(conflict.pk), sender=tenant_a.manager.email, body="Who is this client??")
    assert Conflict.objects.get(pk=conflict.pk).status == "pending"
    help_mail = Notification.objects.get(kind="reply_help")
    assert help_mail.recipient == tenant_a.manager.email and "Tuesday 3pm" in help_mail.body


@pytest.mark.parametrize("who", ["viewer", "stranger", "other_owner"])
def test_wrong_sender_changes_nothing(conflict, tenant_a, tenant_b, who):
    sender = {"viewer": tenant_a.viewer.email, "stranger": "someone@else.test", "other_owner": tenant_b.owner.email}[
        who
    ]
    response = mailgun_post(to=links.reply_to_address(conflict.pk), sender=sender, body="approve")
    assert response.status_code == 200  # accepted from the provider, ignored
    assert Conflict.objects.get(pk=conflict.pk).status == "pending"
    assert not Notification.objects.filter(kind="reply_help").exists()


def test_unsigned_or_mis_signed_reply_to_changes_nothing(conflict, tenant_a):
    for to in (
        f"conflict+{conflict.pk}@{settings.REPLY_DOMAIN}",
        links.reply_to_address(conflict.pk + 1).replace(f"+{conflict.pk + 1}.", f"+{conflict.pk}."),
        "office@summit.example",
    ):
        mailgun_post(to=to, sender=tenant_a.owner.email, body="approve")
    assert Conflict.objects.get(pk=conflict.pk).status == "pending"


def test_bad_webhook_signature_or_auth_is_refused(conflict, tenant_a):
    bad = mailgun_post(
        to=links.reply_to_address(conflict.pk), sender=tenant_a.owner.email, body="approve", signing_key="wrong"
    )
    assert bad.status_code == 400
    no_auth = mailgun_post(
        to=links.reply_to_address(conflict.pk), sender=tenant_a.owner.email, body="approve", auth=False
    )
    assert no_auth.status_code in (400, 401, 403)
    assert Conflict.objects.get(pk=conflict.pk).status == "pending"


def test_reply_to_an_answered_conflict_gets_the_refusal(conflict, tenant_a):
    mailgun_post(to=links.reply_to_address(conflict.pk), sender=tenant_a.owner.email, body="decline")
    mailgun_post(to=links.reply_to_address(conflict.pk), sender=tenant_a.owner.email, body="approve")
    assert Conflict.objects.get(pk=conflict.pk).status == "declined"
    assert "Already answered" in Notification.objects.get(kind="reply_help").body


def test_a_stale_timestamp_is_refused_even_when_signed(conflict, tenant_a):
    week_ago = str(int(time.time()) - 7 * 24 * 3600)
    response = mailgun_post(
        to=links.reply_to_address(conflict.pk), sender=tenant_a.owner.email, body="approve", timestamp=week_ago
    )
    assert response.status_code == 400
    assert Conflict.objects.get(pk=conflict.pk).status == "pending"


def test_a_replayed_token_is_refused_and_changes_nothing(conflict, tenant_a):
    reply = {"to": links.reply_to_address(conflict.pk), "sender": tenant_a.owner.email, "token": "a" * 50}
    assert mailgun_post(body="decline", **reply).status_code == 200
    assert mailgun_post(body="decline", **reply).status_code == 400  # the same signed post again
    assert Conflict.objects.get(pk=conflict.pk).status == "declined"
    assert not Notification.objects.filter(kind="reply_help").exists()  # no "Already answered" answer


@pytest.mark.parametrize("timestamp", ["soon", "１２３", "1e9", ""])
def test_a_malformed_timestamp_is_a_400_not_a_500(conflict, tenant_a, timestamp):
    response = mailgun_post(
        to=links.reply_to_address(conflict.pk), sender=tenant_a.owner.email, body="approve", timestamp=timestamp
    )
    assert response.status_code == 400


def test_a_store_route_post_is_refused_with_a_4xx_that_mailgun_does_not_retry(conflict, tenant_a):
    response = mailgun_post(
        to=links.reply_to_address(conflict.pk),
        sender=tenant_a.owner.email,
        body="approve",
        attachments=json.dumps([{"url": "https://storage.mailgun.net/v3/x", "name": "a.pdf", "size": 10}]),
    )
    assert response.status_code == 406 and b"forward()" in response.content
    assert Conflict.objects.get(pk=conflict.pk).status == "pending"


def test_a_signed_post_with_malformed_headers_is_a_400_not_a_500(conflict, tenant_a):
    response = mailgun_post(
        to=links.reply_to_address(conflict.pk),
        sender=tenant_a.owner.email,
        body="approve",
        **{"message-headers": "not json", "attachment-count": "x"},
    )
    assert response.status_code == 400
    assert Conflict.objects.get(pk=conflict.pk).status == "pending"
