"""The notification interface every capability calls (DESIGN.md "Messaging" → Outbox).

Callers pass a `kind`, the `subject` (the model instance the notification is about; its
`get_absolute_url()` is the portal page the e-mail and SMS link to), a template context and an
`idempotency_key` unique for this notification. Templates live with the capability that sends
them: `templates/messaging/email/<kind>.txt` + `.html` (first line of the .txt = subject) and
`templates/messaging/sms/<kind>.txt`.

Interim implementation (until the outbox of issue #6 lands): e-mails go through Django's
backend after commit and SMS are not sent. Issue #6 replaces the bodies with Notification rows
written in the caller's transaction and sent by Celery; the signatures stay.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string


def _render_email(kind: str, context: dict) -> tuple[str, str, str]:
    text = render_to_string(f"messaging/email/{kind}.txt", context)
    subject, _, body = text.partition("\n")
    html = render_to_string(f"messaging/email/{kind}.html", context)
    return subject.strip(), body.lstrip("\n"), html


def _send_after_commit(*, to: list[str], kind: str, context: dict, headers: dict | None = None) -> None:
    subject, text, html = _render_email(kind, context)

    def send():
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to, headers=headers or {})
        message.attach_alternative(html, "text/html")
        message.send()

    transaction.on_commit(send)


def notify_location(*, location, kind: str, subject, context: dict, idempotency_key: str, headers=None) -> None:
    """E-mail to the Location's notification addresses, then (issue #6) one SMS reminder to each
    number of its distribution list when the list is on."""
    if location.notification_emails:
        context = {"location": location, "subject": subject, **context}
        _send_after_commit(to=list(location.notification_emails), kind=kind, context=context, headers=headers)


def notify_lead(*, lead, kind: str, subject, context: dict, idempotency_key: str) -> None:
    """To the client: SMS when they have a mobile number and have not opted out, else e-mail."""
    if lead.email:
        _send_after_commit(to=[lead.email], kind=kind, context={"lead": lead, "subject": subject, **context})


def notify_email(*, to: str, kind: str, subject, context: dict, idempotency_key: str, location=None) -> None:
    """One e-mail to one address (reply-help to a sender, for example)."""
    _send_after_commit(to=[to], kind=kind, context={"location": location, "subject": subject, **context})


def send_lead_sms(*, lead, body: str, kind: str = "lead_sms", sent_by=None, idempotency_key: str | None = None):
    """A text to a lead from the Location's SMS number (issue #6: STOP/START, redaction, outbox)."""
    return None


def notify_invitation(*, invitation, link: str) -> None:
    """Team invitation, to the invitee."""
    _send_after_commit(to=[invitation.email], kind="invitation", context={"invitation": invitation, "link": link})
