"""Browser proofs of push (issue #11 "Done means"), Playwright on Debian's Chromium (the one
`browser` fixture of tests/conftest.py):

- a push subscription saved FROM THE PAGE ("Turn on notifications" on Settings: the page's own
  portal.js asks the permission, waits for the real service worker and POSTs the subscription with
  the session and CSRF token) receives the encrypted, VAPID-signed push at a local push service
  when an agent takes an urgent office message through the API — exactly once;
- "Got it" from that push acknowledges: the decrypted payload is delivered to the page's real
  service worker (DevTools' ServiceWorker.deliverPushMessage), which shows the notification with
  its "Got it" button; its notificationclick handler, run with that button, POSTs the signed link
  with no cookie and the message is acknowledged from "a push notification";
- an unacknowledged urgent message escalates once: the beat task run twice sends one SMS to the
  owner's mobile at the fake Twilio, and the open Action Center shows it escalated.

What is not the browser's own: Chromium's PushManager.subscribe() fails here — headless Chromium
answers "AbortError: Registration failed - permission denied" even with notifications granted, and
its push service is Google's FCM, out of this machine's reach (the test calls it first and checks
that it fails) — so the page's subscribe() is given the local push service's endpoint and a device
key pair the test holds (to decrypt what arrives); and a headless browser has no notification to
tap, so the click is a NotificationEvent dispatched in the service worker with the "Got it" action.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from messaging.models import OfficeMessage
from notifications.fake_twilio import FakeTwilio
from notifications.models import Notification, PushSubscription
from portal.tasks import escalate_urgent_items
from tests.browser_support import sign_in
from tests.conftest import token_client
from tests.notifications.conftest import b64url, new_device, verify_vapid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(browser, base: str, user, **context_options):
    context = browser.new_context(permissions=["notifications"], **context_options)
    page = context.new_page()
    sign_in(page, base, user)
    return context, page


def wait_for(predicate, page=None, timeout: float = 20.0):
    """Polls `predicate` until it is truthy; with `page`, waits through Playwright so its events
    (DevTools, the service worker) are delivered meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        page.wait_for_timeout(200) if page is not None else time.sleep(0.2)
    raise AssertionError("timed out")


def take_urgent_message(agent, location, name: str) -> int:
    response = token_client(agent).post(
        "/api/v1/messages/",
        {
            "location": location.pk,
            "caller_name": name,
            "callback_number": "+13475550199",
            "category": "existing_customer",
            "urgent": True,
            "body": "Caregiver did not show up this morning.",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def service_worker_of(context):
    """The origin's live service worker: the last one started (a worker stopped or replaced is
    dropped from the list)."""
    return context.service_workers[-1] if context.service_workers else context.wait_for_event("serviceworker")


def deliver_push(context, page, origin: str, payload: dict) -> list[dict]:
    """Delivers `payload` to the origin's live registration through DevTools and returns the
    notifications the service worker shows. The registration is picked by its scope and an
    activated version (DevTools also lists a deleted one, e.g. after a failed install on
    the sign-in page). A DevTools delivery that is lost is sent again, once: the notification's
    tag makes a second show replace the first, so "exactly once" still means one notification."""
    cdp = context.new_cdp_session(page)
    registrations, versions = {}, {}
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.update(
        (r["registrationId"], r) for r in event["registrations"]))  # fmt: skip
    cdp.on("ServiceWorker.workerVersionUpdated", lambda event: versions.update(
        (v["versionId"], v) for v in event["versions"]))  # fmt: skip
    cdp.send("ServiceWorker.enable")

    def live_registration():
        return next(
            (
                v["registrationId"]
                for v in versions.values()
                if v["status"] == "activated"
                and not registrations.get(v["registrationId"], {"isDeleted": True})["isDeleted"]
                and registrations[v["registrationId"]]["scopeURL"] == f"{origin}/"
            ),
            None,
        )  # fmt: skip

    registration_id = wait_for(live_registration, page)
    notifications = """async () => (await (await navigator.serviceWorker.ready).getNotifications()).map(n => ({
        title: n.title, actions: n.actions.map(a => a.title), url: n.data.url}))"""
    for attempt in (1, 2):
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": origin, "registrationId": registration_id, "data": json.dumps(payload)},
        )
        try:
            return wait_for(lambda: page.evaluate(notifications), page, timeout=10.0 * attempt)
        except AssertionError:
            if attempt == 2:
                raise AssertionError(f"no notification shown; DevTools saw {registrations} and {versions}") from None


def test_a_subscription_saved_from_the_page_gets_the_push_once_and_got_it_acknowledges(
    browser, live_server, tenant_a, agent, vapid, push_service
):
    context, page = signed_in(browser, live_server.url, tenant_a.owner)
    page.goto(f"{live_server.url}/settings/{tenant_a.location.pk}/")
    box = page.locator("[data-push-subscribe]")
    expect(box).to_be_visible()  # portal.js shows it: service worker, PushManager, a secure context
    assert box.get_attribute("data-push-public-key") == vapid["public_key"]

    # The browser's own subscribe() first: refused in headless Chromium (and FCM is out of reach).
    real = page.evaluate(
        """async (key) => {
            const registration = await navigator.serviceWorker.ready;
            const raw = Uint8Array.from(atob(key.replace(/-/g, '+').replace(/_/g, '/') + '='), c => c.charCodeAt(0));
            try {
                await registration.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: raw});
                return 'subscribed';
            } catch (error) { return error.name + ': ' + error.message; }
        }""",
        vapid["public_key"],
    )
    print(f"Chromium's own PushManager.subscribe(): {real}")  # shown with -s; the report quotes it
    assert real != "subscribed", "Chromium subscribed for real: drop the stand-in below"

    # The stand-in: subscribe() answers with the local push service and a device the test holds.
    device = new_device()
    endpoint = f"{push_service.url}/push/owner-chromium"
    page.evaluate(
        """([endpoint, p256dh, auth]) => {
            PushManager.prototype.subscribe = async function (options) {
                window.__subscribeOptions = {
                    userVisibleOnly: options.userVisibleOnly, keyBytes: options.applicationServerKey.length};
                return {toJSON: () => ({endpoint, expirationTime: null, keys: {p256dh, auth}})};
            };
        }""",
        [endpoint, device.p256dh, b64url(device.auth)],
    )
    page.get_by_role("button", name="Turn on notifications on this device").click()
    expect(page.locator("[data-push-status]")).to_have_text("Notifications are on for this device.")
    assert page.evaluate("window.__subscribeOptions") == {"userVisibleOnly": True, "keyBytes": 65}
    subscription = PushSubscription.objects.get(endpoint=endpoint)
    assert subscription.user == tenant_a.owner and subscription.p256dh == device.p256dh

    message_id = take_urgent_message(agent, tenant_a.location, "Pat Caller")
    [request] = wait_for(lambda: push_service.requests_to(subscription))
    time.sleep(1)
    assert len(push_service.requests_to(subscription)) == 1  # exactly once
    assert request.headers["content-encoding"] == "aes128gcm"
    verify_vapid(request.headers["authorization"], vapid["public_key"], push_service.url)
    payload = device.decrypt(request)
    assert payload["title"] == "Urgent message from Pat Caller"
    assert payload["url"] == f"/messages/{message_id}/"
    assert [action["title"] for action in payload["actions"]] == ["Got it"]
    assert Notification.objects.filter(channel="push", subject_id=message_id, status="sent").count() == 1

    # The push reaches the page's service worker, which shows it with its button …
    shown = deliver_push(context, page, live_server.url, payload)
    assert shown == [
        {"title": "Urgent message from Pat Caller", "actions": ["Got it"], "url": f"/messages/{message_id}/"}
    ]

    # … and its "Got it" button POSTs the signed link without a cookie.
    service_worker_of(context).evaluate(
        """async () => {
            const [notification] = await self.registration.getNotifications();
            const event = new NotificationEvent('notificationclick', {notification, action: 'got-it'});
            try { self.dispatchEvent(event); } catch (error) { /* waitUntil refuses an event the test made */ }
        }"""
    )
    message = wait_for(lambda: OfficeMessage.objects.filter(pk=message_id).exclude(acknowledged_at=None).first(), page)
    assert (message.acknowledged_by_id, message.acknowledged_channel) == (tenant_a.owner.pk, "push")
    page.goto(f"{live_server.url}/dashboard/")
    page.locator(f"#summary-urgent_message-{message_id}").click()
    expect(page.locator(f"#line-urgent_message-{message_id}")).to_contain_text("from a push notification")
    context.close()


def test_an_unacknowledged_urgent_message_escalates_once(browser, live_server, tenant_a, agent, settings):
    fake = FakeTwilio.start()
    settings.SMS_BACKEND = "notifications.sms.TwilioBackend"
    settings.TWILIO_API_BASE_URL = fake.url
    settings.URGENT_ESCALATION_MINUTES = 15
    tenant_a.owner.mobile = "+19175550123"
    tenant_a.owner.save(update_fields=["mobile"])
    try:
        context, page = signed_in(browser, live_server.url, tenant_a.owner)
        message_id = take_urgent_message(agent, tenant_a.location, "Una Urgent")
        page.goto(f"{live_server.url}/dashboard/")
        line = page.locator(f"#line-urgent_message-{message_id}")
        expect(line).not_to_contain_text("Escalated")
        sent_before = len([m for m in fake.state.messages if m["to"] == "+19175550123"])

        # Nobody said "Got it" for 16 minutes: the beat runs, and runs again.
        OfficeMessage.objects.filter(pk=message_id).update(created_at=timezone.now() - dt.timedelta(minutes=16))
        assert escalate_urgent_items() == 1
        assert escalate_urgent_items() == 0
        wait_for(lambda: [m for m in fake.state.messages if m["to"] == "+19175550123"][sent_before:])
        time.sleep(1)
        texts = [m for m in fake.state.messages if m["to"] == "+19175550123"][sent_before:]
        assert len(texts) == 1 and "nobody said Got it in 15 min" in texts[0]["body"] and "/got-it/" in texts[0]["body"]
        assert Notification.objects.filter(kind="urgent_escalation", subject_id=message_id).count() == 1

        page.reload()
        page.locator(f"#summary-urgent_message-{message_id}").click()
        expect(line).to_contain_text("Escalated")
        expect(line).to_have_class(re.compile(r"\btri-red\b"))  # 16 min against a 15 min target
        context.close()
    finally:
        fake.stop()
