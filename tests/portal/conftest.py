"""The local push service, VAPID keys and devices of tests/notifications, for the portal's push
tests ("Got it" from a push, the browser's subscription). Browser tests take the one `browser`
fixture of tests/conftest.py."""

from tests.notifications.conftest import push_service, subscribe, vapid  # noqa: F401 (fixtures)
