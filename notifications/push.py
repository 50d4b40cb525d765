"""Web Push, the outbox's third channel (issue #11 "Installable and push").

A user's browsers and installed apps subscribe (`push_subscription_save`, from the page's
"Turn on notifications" button through `POST /api/v1/push-subscriptions/`). When a conflict is
raised, a same-day request comes in or an urgent office message is taken, `push_rows` writes one
`Notification` row per device of every user of the Location who may see the item
(`push_recipients`; the rows are written by notifications.outbox.notify_location) in the
cause's transaction, like the e-mails and texts; the same claim sends each row once
(notifications.delivery). The payload is encrypted for the device (RFC 8291, aes128gcm) and
signed with the portal's VAPID key (RFC 8292) by pywebpush.

A push service's 404 or 410 means the device unsubscribed: its subscription is deleted and the
row ends `gone`, never retried. 429 and 5xx are retried like a text; other refusals fail the row.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from pywebpush import webpush

from accounts.models import Membership
from accounts.permissions import MEMBER_ROLES, Action, roles_for
from pronexis.locks import lock

from .models import Notification, PushSubscription

logger = logging.getLogger(__name__)

P256DH_BYTES = 65  # an uncompressed P-256 point (RFC 8291 §3.1)
AUTH_BYTES = 16  # the authentication secret (RFC 8291 §3.2)


class PushRefused(Exception):
    """The push service refused for good (not 404/410, not 429/5xx)."""


def push_enabled() -> bool:
    return bool(settings.VAPID_PRIVATE_KEY and settings.VAPID_PUBLIC_KEY)


# --- subscriptions ------------------------------------------------------------------------
def endpoint_problem(endpoint: str) -> str:
    """Why a push endpoint is not acceptable ("" when it is): an https URL of a public host. The
    portal POSTs to it, so it must not point into the portal's own network (as calendar
    addresses must not); a local http push service only when PUSH_ALLOW_LOCAL_ENDPOINTS."""
    parts = urlsplit(endpoint)
    allow_local = settings.PUSH_ALLOW_LOCAL_ENDPOINTS
    if parts.scheme != "https" and not (allow_local and parts.scheme == "http"):
        return "The endpoint must be an https:// address."
    if not parts.hostname or parts.username or parts.password:
        return "The endpoint must be a push service's address."
    if allow_local:
        return ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except (socket.gaierror, UnicodeError):
        return f"No push service named “{parts.hostname}” could be found."
    if any(not ipaddress.ip_address(address.split("%")[0]).is_global for address in addresses):
        return "The endpoint is not on the public internet."
    return ""


def push_subscription_save(
    *, user, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> tuple[PushSubscription, bool]:
    """Saves this device for `user`; returns (subscription, created). The endpoint names the
    device: subscribing again updates its keys, and a browser someone else signs in on becomes
    theirs (the pushes follow whoever subscribed last on it, never the previous user)."""
    with transaction.atomic():
        subscription, created = lock(PushSubscription.objects.all()).get_or_create(
            endpoint=endpoint,
            defaults={"user": user, "p256dh": p256dh, "auth": auth, "user_agent": user_agent[:300]},
        )
        if not created:
            subscription.user = user
            subscription.p256dh, subscription.auth = p256dh, auth
            subscription.user_agent = user_agent[:300]
            subscription.save(update_fields=["user", "p256dh", "auth", "user_agent"])
    return subscription, created


def push_subscriptions_of(user) -> QuerySet:
    """A user's own devices: the only subscriptions anyone may list or remove."""
    return PushSubscription.objects.filter(user=user)


def push_subscription_remove(*, user, subscription_id: int) -> bool:
    """Removes one of the user's own devices; False when the user has no such device."""
    deleted, _ = push_subscriptions_of(user).filter(pk=subscription_id).delete()
    return bool(deleted)


# --- queueing -----------------------------------------------------------------------------
def push_recipients(location) -> QuerySet:
    """The devices of the active users of `location` whose role may read the Action Center's
    items (accounts.permissions: Action.RECEIVE_PUSH)."""
    roles = [role.value for role in roles_for(Action.RECEIVE_PUSH) & MEMBER_ROLES]
    members = Membership.objects.filter(location=location, role__in=roles, user__is_active=True).values("user_id")
    return PushSubscription.objects.filter(user_id__in=members).select_related("user").order_by("id")


# --- sending ------------------------------------------------------------------------------
# Buttons a push may carry ("Got it" on urgent items) are the business of the apps above; each
# registers a function notification → [{"action", "title", "url", "page"}] in its ready().
_action_providers: list[Callable[[Notification], list[dict]]] = []


def register_push_actions(provider: Callable[[Notification], list[dict]]) -> None:
    if provider not in _action_providers:
        _action_providers.append(provider)


def push_payload(notification: Notification) -> dict:
    """What the service worker shows (portal/templates/portal/sw.js): the title, the text, the
    item's page to open on tap, and a tag so a second push about the same item replaces the
    first on the device instead of stacking; `actions` (when a registered provider offers some)
    are the notification's buttons, each with the same-origin address the worker POSTs."""
    payload = {
        "title": notification.title or "ProNexis",
        "body": notification.body,
        "url": notification.link or "/",
        "tag": f"{notification.kind}:{notification.subject_id or notification.pk}",
    }
    actions = [action for provider in _action_providers for action in provider(notification)]
    if actions:
        payload["actions"] = actions
    return payload


def push_send(notification: Notification) -> None:
    """Encrypts and sends one push. Raises pywebpush.WebPushException (with the service's
    status), requests.RequestException when the service could not be reached, or PushRefused."""
    subscription = notification.push_subscription
    problem = endpoint_problem(subscription.endpoint)
    if problem:
        raise PushRefused(problem)
    webpush(
        subscription_info=subscription.subscription_info(),
        data=json.dumps(push_payload(notification), separators=(",", ":")),
        vapid_private_key=settings.VAPID_PRIVATE_KEY,
        vapid_claims={"sub": f"mailto:{settings.VAPID_CLAIMS_EMAIL}"},
        content_encoding="aes128gcm",
        timeout=settings.PUSH_HTTP_TIMEOUT,
        ttl=settings.PUSH_TTL_SECONDS,
        headers={"Urgency": "high"},
    )
    PushSubscription.objects.filter(pk=subscription.pk).update(last_success_at=timezone.now())
