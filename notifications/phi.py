"""PHI mode (issue #14; a Brand setting, `Brand.phi_mode`): home-care franchises handle health
information, and an e-mail, a text or a lock-screen push is outside the login. For such a brand
every message says only what kind of item is waiting and links to it — no lead or caller name,
no message body, notes, address or service — and the portal shows everything after login.

Which template each kind uses then (`notifications/{email,sms,push}/<template>.txt`):
- items for the Location (office messages, conflicts, same-day requests, bookings, …): `phi`,
  the kind's label and the link;
- the lead's own confirmation and reminder e-mails: `phi_client` (the time and the Location to
  call, not the lead's name or address); their texts already carry no name;
- the contact sequence's intro to the lead: `phi_sms_intro` (no name, no service);
- an answer to an e-mail reply: `phi_reply_help` (e-mail replies are off for the brand);
- team invitations and an agent's own typed text: unchanged (they carry no lead's data).
"""

from __future__ import annotations

from .models import Notification

CLIENT_KINDS = frozenset({"client_confirmation", "client_reminder"})
UNCHANGED = frozenset({"invitation", "lead_sms"})


def phi_mode(location=None, brand=None) -> bool:
    brand = brand if brand is not None else getattr(location, "brand", None)
    return bool(brand is not None and brand.phi_mode)


def phi_template(kind: str, channel: str) -> str:
    """The template a PHI-mode brand's `kind` renders on `channel` (email, sms, push)."""
    if kind in UNCHANGED:
        return kind
    if kind in CLIENT_KINDS:
        return "phi_client" if channel == "email" else kind
    if kind == "sms_intro" and channel == "sms":
        return "phi_sms_intro"
    if kind == Notification.Kind.REPLY_HELP and channel == "email":
        return "phi_reply_help"
    return "phi"  # never the generic SMS reminder: it repeats the e-mail's subject


def kind_label(kind: str) -> str:
    """What the item is, in the words owners read ("Conflict", "Same-day request")."""
    try:
        return Notification.Kind(kind).label
    except ValueError:
        return "Item"
