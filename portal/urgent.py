"""Acknowledge and escalate (issue #11): urgent office messages and same-day requests carry
"Got it" (who, when, from which channel); one nobody acknowledged within
URGENT_ESCALATION_MINUTES is texted once more to the owners' own mobile numbers; an urgent
message stays in the Action Center until someone called back ("Called back", with a note).

Both kinds are "urgent items": an `OfficeMessage` with `urgent=True` and a pending
`SameDayRequest` (it expires in hours). Each write is a conditional UPDATE, so two people
tapping "Got it" at once, or two beat workers sweeping at once, change a row once.

The "Got it" link (SMS now, a push action later) is signed and short:
`/got-it/<kind>.<id>.<user>.<channel>:<timestamp>:<signature>/`; it names the user it was sent
to, so the acknowledgement says who, and is refused once that user lost access.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Action, Role, can, require
from conflicts.models import SameDayRequest
from messaging.models import OfficeMessage
from notifications.models import Notification
from notifications.outbox import queue_notifications
from notifications.phi import phi_mode

# Where a "Got it" came from (shown with who and when).
CHANNELS = {"portal": "the portal", "push": "a push notification", "sms_link": "a text message link"}
KINDS = {"message": OfficeMessage, "same_day": SameDayRequest}
_KIND_CODES = {"message": "m", "same_day": "s"}
_CHANNEL_CODES = {"push": "p", "sms_link": "t"}
LINK_SALT = "portal.got-it"
LINK_MAX_AGE = 3 * 24 * 3600


class LinkInvalid(Exception):
    """A tampered, expired or no-longer-valid "Got it" link; the message says which."""


def kind_of(item) -> str:
    return "message" if isinstance(item, OfficeMessage) else "same_day"


def is_open_urgent(item) -> bool:
    """Still asks for attention: an urgent message nobody called back, a same-day request not answered."""
    if isinstance(item, OfficeMessage):
        return item.urgent and item.handled_at is None
    return item.status == SameDayRequest.Status.PENDING


# --- "Got it" ----------------------------------------------------------------------------------
def urgent_acknowledge(*, item, actor, channel: str, now: dt.datetime | None = None) -> bool:
    """ "Got it" on an urgent message or a pending same-day request: the first one is kept
    (who, when, channel); a later one changes nothing. True when this call acknowledged it.
    Owners and managers only (a viewer reads)."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    require(actor, Action.ACKNOWLEDGE, item.location_id)
    now = now or timezone.now()
    updated = (
        type(item)
        .objects.filter(pk=item.pk, acknowledged_at=None)
        .update(acknowledged_at=now, acknowledged_by=actor, acknowledged_channel=channel)
    )
    item.refresh_from_db(fields=["acknowledged_at", "acknowledged_by", "acknowledged_channel"])
    return bool(updated)


def clock(moment: dt.datetime, zone) -> str:
    """ "9:05 AM EST": 12-hour with the zone's short name, in the Location's zone."""
    local = moment.astimezone(zone)
    return f"{local.hour % 12 or 12}:{local:%M %p %Z}"


def describe_acknowledgement(item) -> str:
    """ "Got it: Dana Ruiz, Dec 5, 10:42 AM EST, from a text message link" (the Location's zone)."""
    if item.acknowledged_at is None:
        return ""
    when = item.acknowledged_at.astimezone(item.location.zone)
    who = str(item.acknowledged_by) if item.acknowledged_by_id else "someone no longer on the team"
    channel = CHANNELS.get(item.acknowledged_channel, item.acknowledged_channel)
    return f"Got it: {who}, {when:%b} {when.day}, {clock(when, item.location.zone)}, from {channel}"


def office_message_handle(*, message: OfficeMessage, actor, note: str, now: dt.datetime | None = None) -> bool:
    """ "Called back": the urgent message leaves the Action Center, with the note of what was
    done. Implies "Got it" when nobody had said it. The first one is kept; True when this call
    handled it."""
    require(actor, Action.HANDLE_MESSAGE, message.location_id)
    now = now or timezone.now()
    note = (note or "").strip()[:2000]
    with transaction.atomic():
        updated = OfficeMessage.objects.filter(pk=message.pk, handled_at=None).update(
            handled_at=now, handled_by=actor, handled_note=note
        )
        OfficeMessage.objects.filter(pk=message.pk, acknowledged_at=None).update(
            acknowledged_at=now, acknowledged_by=actor, acknowledged_channel="portal"
        )
    message.refresh_from_db()
    return bool(updated)


# --- the signed link ---------------------------------------------------------------------------
def got_it_token(*, item, user, channel: str) -> str:
    value = f"{_KIND_CODES[kind_of(item)]}.{item.pk}.{user.pk}.{_CHANNEL_CODES[channel]}"
    return signing.TimestampSigner(salt=LINK_SALT).sign(value)


def got_it_url(*, item, user, channel: str = "sms_link") -> str:
    """The link a text (or a push action) carries: opens a page whose button says "Got it"."""
    return settings.PUBLIC_BASE_URL + reverse("got_it_link", args=[got_it_token(item=item, user=user, channel=channel)])


@dataclass(frozen=True)
class GotItLink:
    item: object
    user: User
    channel: str


def read_got_it_token(token: str, *, max_age: int = LINK_MAX_AGE) -> GotItLink:
    """The item, user and channel of a link — or LinkInvalid (tampered, expired, user gone)."""
    try:
        value = signing.TimestampSigner(salt=LINK_SALT).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkInvalid("This link has expired. Open the Action Center in the portal.")
    except signing.BadSignature:
        raise LinkInvalid("This link is not valid. Open the Action Center in the portal.")
    kinds = {code: kind for kind, code in _KIND_CODES.items()}
    channels = {code: channel for channel, code in _CHANNEL_CODES.items()}
    try:
        kind_code, item_id, user_id, channel_code = value.split(".")
        model = KINDS[kinds[kind_code]]
        channel = channels[channel_code]
        item = model.objects.select_related("location", "acknowledged_by").get(pk=int(item_id))
        user = User.objects.get(pk=int(user_id), is_active=True)
    except (ValueError, KeyError, model.DoesNotExist, User.DoesNotExist):
        raise LinkInvalid("This link is no longer valid. Open the Action Center in the portal.")
    return GotItLink(item=item, user=user, channel=channel)


def got_it_link_use(*, link: GotItLink, now: dt.datetime | None = None) -> bool:
    """The link's button: acknowledges as the user it was sent to (who must still be an owner
    or manager of the Location)."""
    try:
        return urgent_acknowledge(item=link.item, actor=link.user, channel=link.channel, now=now)
    except PermissionDenied:
        raise LinkInvalid("This link is no longer valid for you. Open the Action Center in the portal.")


# --- the push's "Got it" button ---------------------------------------------------------------
# The push kinds whose subject is an urgent item (an office message only when urgent).
PUSH_KINDS = {Notification.Kind.OFFICE_MESSAGE: OfficeMessage, Notification.Kind.SAME_DAY_REQUEST: SameDayRequest}


def push_actions(notification: Notification) -> list[dict]:
    """The "Got it" button of a push about an urgent item still open, for a device whose user may
    acknowledge (registered with notifications.push in PortalConfig.ready; read at send time, so
    the link's age counts from the push). The service worker POSTs `url` without a cookie (the
    signed token is the credential) and opens `page` when that fails."""
    model = PUSH_KINDS.get(notification.kind)
    device = notification.push_subscription
    if model is None or device is None or notification.subject_id is None:
        return []
    item = model.objects.filter(pk=notification.subject_id).first()
    if item is None or not is_open_urgent(item) or item.acknowledged_at is not None:
        return []
    if not can(device.user, Action.ACKNOWLEDGE, item.location_id):
        return []  # a viewer's device: the push opens the item, nothing to acknowledge
    token = got_it_token(item=item, user=device.user, channel="push")
    return [
        {
            "action": "got-it",
            "title": "Got it",
            "url": reverse("got_it_push", args=[token]),
            "page": reverse("got_it_link", args=[token]),
        }
    ]


# --- escalation --------------------------------------------------------------------------------
def _due(now: dt.datetime):
    cutoff = now - dt.timedelta(minutes=settings.URGENT_ESCALATION_MINUTES)
    messages = OfficeMessage.objects.filter(
        urgent=True, acknowledged_at=None, handled_at=None, escalated_at=None, created_at__lte=cutoff
    )
    same_day = SameDayRequest.objects.filter(
        status=SameDayRequest.Status.PENDING, acknowledged_at=None, escalated_at=None, created_at__lte=cutoff
    )
    return [
        (OfficeMessage, messages.values_list("pk", flat=True)),
        (SameDayRequest, same_day.values_list("pk", flat=True)),
    ]


def urgent_escalate_due(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """The beat task's rule: each urgent item unacknowledged for URGENT_ESCALATION_MINUTES is
    claimed with a conditional UPDATE (escalated_at from NULL: one worker wins) and, in the same
    transaction, texted once to each owner of its Location who has a mobile number on their
    profile. Returns how many items were escalated."""
    now = now or timezone.now()
    escalated = 0
    for model, ids in _due(now):
        for pk in list(ids[:limit]):
            with transaction.atomic():
                if not model.objects.filter(pk=pk, escalated_at=None, acknowledged_at=None).update(escalated_at=now):
                    continue  # another worker, or a "Got it" in between
                item = model.objects.select_related("location", "lead").get(pk=pk)
                if not is_open_urgent(item):
                    continue
                _text_owners(item)
                escalated += 1
    return escalated


def _owners_with_mobile(location) -> list[User]:
    return list(
        User.objects.filter(memberships__location=location, memberships__role=Role.OWNER.value, is_active=True)
        .exclude(mobile="")
        .order_by("pk")
    )


def escalation_text(item, *, link: str) -> str:
    minutes = settings.URGENT_ESCALATION_MINUTES
    if phi_mode(item.location):  # PHI mode (notifications.phi): the kind of item and its link only
        about = "urgent message" if isinstance(item, OfficeMessage) else "urgent same-day request"
        return f"{item.location.name}: nobody said Got it in {minutes} min to an {about}. Got it: {link}"
    if isinstance(item, OfficeMessage):
        about = f"urgent message from {item.caller_name} ({item.callback_number}): {item.body}"
    else:
        about = f"same-day request for {item.lead} at {clock(item.requested_start, item.location.zone)}"
    about = about if len(about) <= 140 else about[:139] + "…"
    # Plain text (an SMS is not HTML): names are sent as typed.
    text = f"{item.location.name}: nobody said Got it in {minutes} min to the {about} Got it: {link}"
    return " ".join(text.split())


def _text_owners(item) -> None:
    subject_type = ContentType.objects.get_for_model(item)
    rows = []
    for owner in _owners_with_mobile(item.location):
        rows.append(
            Notification(
                location=item.location,
                kind=Notification.Kind.URGENT_ESCALATION,
                channel=Notification.Channel.SMS,
                recipient=owner.mobile,
                sender=settings.TWILIO_BROADCAST_SENDER,
                body=escalation_text(item, link=got_it_url(item=item, user=owner)),
                idempotency_key=f"urgent_escalation:{kind_of(item)}:{item.pk}:{owner.pk}",
                subject_type=subject_type,
                subject_id=item.pk,
                link=item.get_absolute_url(),
            )
        )
    queue_notifications(rows)


__all__ = [
    "CHANNELS",
    "GotItLink",
    "LinkInvalid",
    "describe_acknowledgement",
    "got_it_link_use",
    "got_it_url",
    "office_message_handle",
    "push_actions",
    "read_got_it_token",
    "urgent_acknowledge",
    "urgent_escalate_due",
]
