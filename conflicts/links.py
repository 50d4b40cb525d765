"""Signed capabilities of the conflicts capability: answer links and per-conflict Reply-To.

- Answer links (e-mail and SMS): django.core.signing with a salt, for one conflict or same-day
  request and one decision, expiring after ANSWER_LINK_MAX_AGE, usable once (ResponseLinkUse).
  The GET only shows a confirmation page; its button POSTs (link scanners fetch GETs).
- Reply-To: `conflict+<id>.<hmac>@REPLY_DOMAIN`; only a reply to that exact address can answer
  the conflict by e-mail.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

ANSWER_LINK_SALT = "conflicts.answer-link"
ANSWER_LINK_MAX_AGE = 7 * 24 * 3600
REPLY_TO_SALT = "conflicts.reply-to"
KINDS = {"conflict": "c", "same_day": "s"}


class LinkInvalid(Exception):
    """A tampered, unknown or expired link; the message says which, for the owner."""


@dataclass(frozen=True)
class AnswerLink:
    kind: str  # conflict | same_day
    object_id: int
    decision: str
    channel: str  # email_link | sms_link
    token: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.token.encode()).hexdigest()


def answer_token(*, kind: str, object_id: int, decision: str, channel: str) -> str:
    return signing.dumps({"k": KINDS[kind], "i": object_id, "d": decision, "c": channel}, salt=ANSWER_LINK_SALT)


def answer_url(*, kind: str, object_id: int, decision: str, channel: str = "email_link") -> str:
    token = answer_token(kind=kind, object_id=object_id, decision=decision, channel=channel)
    return settings.PUBLIC_BASE_URL + reverse("answer_link", args=[token])


# A "choose" link (the SMS's one short link leads to it) offers every answer on its page; the
# owner's tap picks one. Still one answer per link.
CHOOSE = "choose"
CHOICES = {"conflict": ("approve", "decline", "alternate"), "same_day": ("approve", "decline")}


def read_answer_token(token: str, *, max_age: int = ANSWER_LINK_MAX_AGE) -> AnswerLink:
    try:
        data = signing.loads(token, salt=ANSWER_LINK_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkInvalid("This link has expired. Open the Action Center in the portal to answer.")
    except signing.BadSignature:
        raise LinkInvalid("This link is not valid. Open the Action Center in the portal to answer.")
    kinds = {v: k for k, v in KINDS.items()}
    try:
        return AnswerLink(kinds[data["k"]], int(data["i"]), str(data["d"]), str(data["c"]), token)
    except (KeyError, TypeError, ValueError):
        raise LinkInvalid("This link is not valid. Open the Action Center in the portal to answer.")


def _reply_signature(conflict_id: int) -> str:
    return salted_hmac(REPLY_TO_SALT, str(conflict_id)).hexdigest()[:20]


def reply_to_address(conflict_id: int) -> str:
    return f"conflict+{conflict_id}.{_reply_signature(conflict_id)}@{settings.REPLY_DOMAIN}"


_REPLY_TO_RE = re.compile(r"^conflict\+(\d+)\.([0-9a-f]{20})@(.+)$", re.IGNORECASE)


def conflict_id_from_address(address: str) -> int | None:
    """The conflict a reply is addressed to, or None when the address is not one we signed."""
    match = _REPLY_TO_RE.match((address or "").strip())
    if not match or match.group(3).lower() != settings.REPLY_DOMAIN.lower():
        return None
    conflict_id = int(match.group(1))
    if not constant_time_compare(match.group(2).lower(), _reply_signature(conflict_id)):
        return None
    return conflict_id
