"""The notification interface every capability calls.

Interim implementation (until the outbox of issue #6 lands): e-mails go through Django's
backend after commit. Issue #6 replaces the bodies with Notification rows written in the
caller's transaction; the signatures stay.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string


def _send_after_commit(*, to: list[str], subject: str, template: str, context: dict) -> None:
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)

    def send():
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
        message.attach_alternative(html, "text/html")
        message.send()

    transaction.on_commit(send)


def notify_invitation(*, invitation, link: str) -> None:
    """Team invitation, to the invitee."""
    _send_after_commit(
        to=[invitation.email],
        subject=f"You are invited to {invitation.location} on ProNexis",
        template="messaging/email/invitation",
        context={"invitation": invitation, "link": link},
    )
