"""Answers that arrive without a session: signed answer links and e-mail replies. Both end in
`conflict_respond` / `same_day_respond`, like every other channel."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Location, Membership
from accounts.permissions import Action, roles_for
from notifications.outbox import notify_email
from notifications.phi import phi_mode
from pronexis.errors import Refused

from . import links
from .models import Conflict, ResponseLinkUse, SameDayRequest
from .same_day import same_day_close_if_impossible, same_day_respond
from .services import conflict_respond, describe_answer

# Channels where the credential is the signed link or the signed Reply-To, not a session.
SIGNED_CHANNELS = ("email_link", "sms_link", "email_reply")
MAX_REMINDERS = 2
SAME_DAY_HORIZON = dt.timedelta(hours=24)
MEETING_TYPES = dict(Location.MeetingType.choices)


# --- answer links ----------------------------------------------------------------------------
def answer_link_use(
    *, link: links.AnswerLink, notes: str = "", now: dt.datetime | None = None, choice: str = "", **alternate
) -> Conflict | SameDayRequest:
    """Answer through a signed e-mail/SMS link: once per link (ResponseLinkUse), for its own item
    and decision (a "choose" link: the `choice` tapped on its page); the signature is the
    credential (answered as the notification recipient)."""
    now = now or timezone.now()
    if link.decision == links.CHOOSE:
        if choice not in links.CHOICES[link.kind]:
            raise ValidationError({"decision": f"Choose one of {', '.join(links.CHOICES[link.kind])}."})
        link = dataclasses.replace(link, decision=choice)
    if link.kind == "same_day" and link.decision == SameDayRequest.Decision.APPROVE:
        # Outside the link's transaction: an approval that became impossible closes the request
        # even though this answer is refused (same_day_respond does the same for the portal).
        same_day_close_if_impossible(request=_link_item(link), now=now)
    with transaction.atomic():
        item = _link_item(link)
        if not item.is_pending:
            raise Refused(describe_answer(item))
        _, created = ResponseLinkUse.objects.get_or_create(
            digest=link.digest, defaults={"location_id": item.location_id, "used_at": now}
        )
        if not created:
            raise Refused("This link has already been used.")
        if link.kind == "conflict":
            return conflict_respond(
                conflict=item,
                actor=None,
                decision=link.decision,
                notes=notes,
                channel=link.channel,
                now=now,
                **alternate,
            )
        return same_day_respond(
            request=item, actor=None, decision=link.decision, notes=notes, channel=link.channel, now=now
        )


def short_link_answer_page(notification) -> str | None:
    """The answer page an owner's SMS short link opens without a login (notifications.short_links):
    a "choose" link to the waiting item — not for a PHI brand (its details stay behind login)."""
    model = {"conflict": Conflict, "samedayrequest": SameDayRequest}.get(
        notification.subject_type.model if notification.subject_type_id else ""
    )
    item = model and model.objects.select_related("location__brand").filter(pk=notification.subject_id).first()
    if item is None or not item.is_pending or phi_mode(item.location):
        return None
    kind = "conflict" if model is Conflict else "same_day"
    token = links.answer_token(kind=kind, object_id=item.pk, decision=links.CHOOSE, channel="sms_link")
    return reverse("answer_link", args=[token])


def _link_item(link: links.AnswerLink):
    model = Conflict if link.kind == "conflict" else SameDayRequest
    item = model.objects.select_related("location", "lead").filter(pk=link.object_id).first()
    if item is None:
        raise links.LinkInvalid("This link is not valid any more: the request no longer exists.")
    return item


def answer_link_item(link: links.AnswerLink):
    """The item a link answers, and whether it was used already (for the confirmation page)."""
    item = _link_item(link)
    used = ResponseLinkUse.objects.filter(digest=link.digest).exists()
    return item, used


# --- e-mail replies --------------------------------------------------------------------------
def sender_may_answer(*, location: Location, sender: str):
    """(allowed, user): an owner or manager of the Location, or one of its notification
    addresses (answered as that user when the address is a member's, else as the recipient)."""

    sender = (sender or "").strip().lower()
    if not sender:
        return False, None
    membership = (
        Membership.objects.filter(location=location, user__email__iexact=sender, user__is_active=True)
        .select_related("user")
        .first()
    )
    if membership and membership.role in roles_for(Action.ANSWER):
        return True, membership.user
    if sender in {e.lower() for e in location.notification_emails}:
        return True, None
    return False, None


def conflict_reply_received(*, recipients: list[str], sender: str, body: str, now: dt.datetime | None = None) -> str:
    """Reply by e-mail (seed 004): the reply must come to a conflict's signed Reply-To and from an
    owner/manager of its Location or one of its notification addresses. Its new text is parsed
    (conflicts.reply_parser); a reply not understood gets the accepted forms and changes nothing.
    Returns what happened: unsigned | unknown | wrong_sender | phi_off | answered | refused | help.
    """
    from .reply_parser import parse_reply

    now = now or timezone.now()
    conflict_id = next((cid for cid in map(links.conflict_id_from_address, recipients) if cid), None)
    if conflict_id is None:
        return "unsigned"
    conflict = Conflict.objects.select_related("location", "lead").filter(pk=conflict_id).first()
    if conflict is None:
        return "unknown"
    allowed, user = sender_may_answer(location=conflict.location, sender=sender)
    if not allowed:
        return "wrong_sender"
    if phi_mode(conflict.location):
        # PHI mode: the e-mail-reply channel is off for the brand (its e-mails carry no Reply-To;
        # an old or guessed one is not read). The sender is told once where to answer.
        notify_email(
            to=sender,
            kind="reply_help",
            subject=conflict,
            context={"conflict": conflict},
            idempotency_key=f"conflict:{conflict.pk}:reply:{sender}:phi-off",
            location=conflict.location,
        )
        return "phi_off"
    parsed = parse_reply(
        body,
        now=now,
        zone=conflict.location.zone,
        requested_start=conflict.requested_start,
        requested_meeting_type=conflict.requested_meeting_type,
    )
    # A stable digest (Python's str hash differs per process): a redelivered reply answers once.
    key = f"conflict:{conflict.pk}:reply:{sender}:{hashlib.sha256(body.encode()).hexdigest()[:16]}"
    if parsed is None:
        _reply_help(conflict, sender, key=key + ":help")
        return "help"
    try:
        conflict_respond(
            conflict=conflict,
            actor=user,
            decision=parsed.decision,
            alternate_start=parsed.alternate_start,
            alternate_meeting_type=parsed.meeting_type,
            channel=Conflict.Channel.EMAIL_REPLY,
            notes="",
            now=now,
        )
    except (Refused, ValidationError, PermissionDenied) as error:
        message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        _reply_help(conflict, sender, key=key + ":refused", refusal=message)
        return "refused"
    return "answered"


def _reply_help(conflict, sender: str, *, key: str, refusal: str = "") -> None:
    """The help e-mail to a reply we could not read (or had to refuse, saying why)."""
    from .reply_parser import ACCEPTED_FORMS

    context = {"conflict": conflict, "accepted_forms": ACCEPTED_FORMS, "reply_to": links.reply_to_address(conflict.pk)}
    if refusal:
        context["refusal"] = refusal
    notify_email(
        to=sender, kind="reply_help", subject=conflict, context=context, idempotency_key=key, location=conflict.location
    )
