"""Refused inbound webhooks are recorded (audit.RefusedWebhook) for the operations overview."""

import pytest

from notifications.models import RefusedWebhook


@pytest.mark.django_db
def test_a_forged_twilio_post_is_recorded_and_an_accepted_one_is_not(client):
    response = client.post("/webhooks/twilio/sms/", {"MessageSid": "SM1", "From": "+12125550100", "Body": "hi"})
    assert response.status_code == 403
    refused = RefusedWebhook.objects.get()
    assert refused.path == "/webhooks/twilio/sms/" and refused.status == 403
    assert refused.reason == "Invalid Twilio signature."
    assert client.get("/webhooks/twilio/sms/").status_code == 405  # not a refusal of a post: not recorded
    assert client.get("/leads/").status_code == 302  # not a webhook
    assert RefusedWebhook.objects.count() == 1


@pytest.mark.django_db
def test_an_unverified_inbound_email_is_recorded(client):
    response = client.post("/webhooks/email/inbound/", {"timestamp": "x", "token": "t", "signature": "s"})
    assert response.status_code in (400, 403)
    assert RefusedWebhook.objects.filter(path="/webhooks/email/inbound/").count() == 1
