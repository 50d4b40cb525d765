"""Saving and removing a browser for push notifications: the API (session + CSRF, strict JSON
errors per field, one's own devices only), Settings' device list and its Remove button."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from notifications.models import PushSubscription
from tests.clients import login
from tests.conftest import session_api, token_client

from .conftest import b64url, new_device

pytestmark = pytest.mark.django_db
URL = "/api/v1/push-subscriptions/"
ANDROID = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"


def browser_json(endpoint="https://fcm.googleapis.com/fcm/send/abc123", **keys):
    """What `PushSubscription.toJSON()` gives in Chrome."""
    device = new_device()
    return {
        "endpoint": endpoint,
        "expirationTime": None,
        "keys": {"p256dh": device.p256dh, "auth": b64url(device.auth), **keys},
    }


def test_saving_a_browser_is_201_and_the_same_browser_again_is_200_with_the_same_row(tenant_a):
    client = session_api(tenant_a.owner)
    body = browser_json()
    created = client.post(URL, body, format="json", HTTP_USER_AGENT=ANDROID)
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["endpoint"] == body["endpoint"] and data["device"] == "Chrome on Android" and data["id"]
    again = client.post(URL, {**body, "keys": browser_json()["keys"]}, format="json")  # keys renewed
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    row = PushSubscription.objects.get()
    assert row.user == tenant_a.owner and row.p256dh != body["keys"]["p256dh"]


def test_a_browser_someone_else_signs_in_on_becomes_theirs(tenant_a, tenant_b):
    body = browser_json()
    session_api(tenant_a.owner).post(URL, body, format="json")
    moved = session_api(tenant_b.owner).post(URL, body, format="json")
    assert moved.status_code == 200
    assert PushSubscription.objects.get().user == tenant_b.owner  # A's pushes stop reaching this browser


@pytest.mark.parametrize(
    "change, field",
    [
        ({"endpoint": "not a url"}, "endpoint"),
        ({"endpoint": "ftp://push.example.com/x"}, "endpoint"),
        ({"endpoint": "https://" + "a" * 2000 + ".example.com/"}, "endpoint"),
        ({"keys": {"p256dh": "short", "auth": b64url(b"1" * 16)}}, "keys"),
        ({"keys": {"p256dh": b64url(b"\x04" + b"1" * 64), "auth": b64url(b"1" * 15)}}, "keys"),
        ({"keys": {"p256dh": b64url(b"\x02" + b"1" * 64), "auth": b64url(b"1" * 16)}}, "keys"),
        ({"keys": {"p256dh": "+/+/" * 22, "auth": b64url(b"1" * 16)}}, "keys"),
        ({"keys": {"p256dh": b64url(b"\x04" + b"1" * 64)}}, "keys"),
        ({"keys": "nope"}, "keys"),
        ({"expirationTime": "tomorrow"}, "expirationTime"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_saves_nothing(tenant_a, change, field):
    response = session_api(tenant_a.owner).post(URL, {**browser_json(), **change}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not PushSubscription.objects.exists()


def test_key_errors_name_the_key(tenant_a):
    body = browser_json(p256dh=b64url(b"\x04" + b"1" * 10))
    response = session_api(tenant_a.owner).post(URL, body, format="json")
    assert response.json() == {"keys": {"p256dh": ["The p256dh key must be 65 bytes, not 11."]}}


def test_endpoints_must_be_public_https_in_production(tenant_a, settings):
    settings.PUSH_ALLOW_LOCAL_ENDPOINTS = False
    client = session_api(tenant_a.owner)
    for endpoint in ("http://push.example.com/x", "https://127.0.0.1/x", "https://10.0.0.5/x", "https://[::1]/x"):
        response = client.post(URL, browser_json(endpoint), format="json")
        assert response.status_code == 400 and "endpoint" in response.json(), endpoint


def test_saving_needs_the_csrf_token_of_the_session(tenant_a):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(tenant_a.owner)
    assert client.post(URL, browser_json(), format="json").status_code == 403
    client.get(reverse("sessions"))  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    assert client.post(URL, browser_json(), format="json", HTTP_X_CSRFTOKEN=token).status_code == 201


def test_api_tokens_and_anonymous_callers_cannot_save_devices(tenant_a, agent):
    assert APIClient().post(URL, browser_json(), format="json").status_code in (401, 403)
    assert token_client(tenant_a.owner, "location").post(URL, browser_json(), format="json").status_code in (401, 403)
    assert token_client(agent, "agent").post(URL, browser_json(), format="json").status_code in (401, 403)
    assert not PushSubscription.objects.exists()


def test_delete_removes_ones_own_device_and_another_users_is_404(tenant_a, tenant_b):
    mine = session_api(tenant_a.owner).post(URL, browser_json("https://push.example.com/mine"), format="json")
    theirs = session_api(tenant_b.owner).post(URL, browser_json("https://push.example.com/theirs"), format="json")
    client = session_api(tenant_a.owner)
    assert client.delete(f"{URL}{theirs.json()['id']}/").status_code == 404
    assert session_api(tenant_a.manager).delete(f"{URL}{mine.json()['id']}/").status_code == 404  # same Location
    assert client.delete(f"{URL}{mine.json()['id']}/").status_code == 204
    assert client.delete(f"{URL}{mine.json()['id']}/").status_code == 404
    assert list(PushSubscription.objects.values_list("user", flat=True)) == [tenant_b.owner.pk]


def test_the_schema_documents_the_endpoints(tenant_a):
    schema = session_api(tenant_a.owner).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    create = schema["paths"]["/api/v1/push-subscriptions/"]["post"]
    assert {"200", "201", "400", "403"} <= set(create["responses"])
    assert "PushSubscriptionInRequest" in create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    delete = schema["paths"]["/api/v1/push-subscriptions/{subscription_id}/"]["delete"]
    assert {"204", "404"} <= set(delete["responses"])


# --- the pages ----------------------------------------------------------------------------


def test_settings_and_the_sessions_page_list_ones_devices_with_remove(tenant_a, tenant_b, settings):
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = "BPublicKey", "private"
    PushSubscription.objects.create(
        user=tenant_a.owner, endpoint="https://push.example.com/1", p256dh="x", auth="y", user_agent=ANDROID
    )
    other = PushSubscription.objects.create(
        user=tenant_b.owner, endpoint="https://push.example.com/2", p256dh="x", auth="y", user_agent="Firefox/130"
    )
    client = login(tenant_a.owner)
    for url in (reverse("location_settings", args=[tenant_a.location.pk]), reverse("sessions")):
        page = client.get(url).content.decode()
        assert "Chrome on Android" in page and "Firefox" not in page
        assert 'data-push-public-key="BPublicKey"' in page and "Turn on notifications on this device" in page
    viewer_page = login(tenant_a.viewer).get(reverse("sessions")).content.decode()
    assert "No device receives notifications yet." in viewer_page
    assert client.post(reverse("push_device_remove", args=[other.pk])).status_code == 404
    mine = tenant_a.owner.push_subscriptions.get()
    response = client.post(reverse("push_device_remove", args=[mine.pk]), {"next": reverse("sessions")})
    assert response.status_code == 302 and response["Location"] == reverse("sessions")
    assert list(PushSubscription.objects.all()) == [other]


def test_no_button_without_vapid_keys(tenant_a, settings):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    page = login(tenant_a.owner).get(reverse("sessions")).content.decode()
    assert "data-push-subscribe" not in page and "Notifications on your devices" in page
