"""Factories and isolation-matrix registrations of the notifications capability (the outbox).

ISOLATION_KWARGS: URL kwarg name → callable(tenant_b) returning the id of tenant B's object.
AGENT_ONLY_URL_NAMES: URL names only agents may use (portal users get 403 before any lookup).
"""

import factory

from notifications.models import Notification

__all__ = ["NotificationFactory"]


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    location = factory.SubFactory("tests.factories.LocationFactory")
    kind = "office_message"
    channel = Notification.Channel.SMS
    recipient = factory.Sequence(lambda n: f"+1917666{n % 10000:04d}")
    sender = "+18885550199"
    body = factory.Sequence(lambda n: f"ProNexis test text {n}")
    idempotency_key = factory.Sequence(lambda n: f"test-notification-{n}")


def _short_code_of(tenant) -> str:
    return NotificationFactory(location=tenant.location).short_code


def _push_subscription_of(tenant) -> int:
    """Tenant B's owner's device (push subscriptions belong to a user, not a Location)."""
    from notifications.models import PushSubscription

    return PushSubscription.objects.create(
        user=tenant.owner, endpoint=f"https://push.example.com/{tenant.location.pk}", p256dh="x", auth="y"
    ).pk


ISOLATION_KWARGS: dict = {
    "short_code": _short_code_of,
    # A failed delivery of tenant B (the Action Center's "Dismiss").
    "notification_id": lambda b: NotificationFactory(location=b.location, status=Notification.Status.FAILED).pk,
    "subscription_id": _push_subscription_of,
}
AGENT_ONLY_URL_NAMES: set = set()
