"""The local push service, VAPID keys and devices of tests/notifications, for the portal's push
tests ("Got it" from a push, the browser's subscription), and one Chromium per test module for the
portal's browser tests."""

import os

import pytest

from tests.notifications.conftest import push_service, subscribe, vapid  # noqa: F401 (fixtures)


@pytest.fixture(scope="module")
def chromium():
    """One Chromium for the module (each test opens its own context)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls in between stay synchronous.
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-background-networking"]
        )
        yield browser
        browser.close()
    if saved is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
