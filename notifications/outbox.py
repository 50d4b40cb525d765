"""The notification interface every capability calls (DESIGN.md "Messaging" → Outbox).

Callers pass a `kind`, the `subject` (the model instance the notification is about; its
`get_absolute_url()` is the portal page the e-mail and SMS link to), a template context and an
`idempotency_key` unique for this notification. Each `Notification.Kind` has its templates here:
`notifications/templates/notifications/email/<kind>.txt` + `.html` (first line of the .txt = subject)
and `notifications/templates/notifications/sms/<kind>.txt`. Templates get `subject`, `location`, `portal_url` (the
subject's page) and `short_url` (the `/n/<code>/` link) besides the caller's context.

Every call writes `Notification` rows in the caller's transaction (bulk, `ON CONFLICT DO
NOTHING` on the idempotency key: calling twice with the same key queues nothing new) and
enqueues them after commit (`notifications.tasks.send_batch`, a batch per task). A broker that is down
does not fail the caller: the rows wait in the outbox and the sweep sends them.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django.utils.html import linebreaks, urlize
from django.utils.safestring import mark_safe

from accounts.models import LocationPhoneNumber

from .casl import casl_text, sender_name
from .consent import may_text
from .models import Notification, new_short_code
from .phi import kind_label, phi_mode, phi_template
from .push import push_enabled, push_recipients
from .quiet_hours import next_allowed_instant

logger = logging.getLogger(__name__)

SMS_REMINDER_KIND = Notification.Kind.REMINDER  # the generic SMS reminder of an e-mail (seed 001)


# --- rendering ----------------------------------------------------------------------------
def render_text(template, context: dict) -> str:
    """A plain-text channel (SMS, e-mail subject and text part) is not HTML: rendered with
    autoescape off, so "Mary O'Neil & Co" reads as typed. HTML parts stay escaped.
    `template` is a template name or a template from `get_template`."""
    if isinstance(template, str):
        template = get_template(template)
    return template.template.render(Context(context, autoescape=False))


def _render_email(kind: str, context: dict) -> tuple[str, str, str]:
    """Subject, plain-text part and HTML part. The HTML is the kind's own fragment (buttons and
    facts) or, for kinds written as text only, their text as paragraphs with live links — inside
    one responsive layout (notifications/email/_layout.html)."""
    text = render_text(f"notifications/email/{kind}.txt", context)
    subject, _, body = text.partition("\n")
    subject, body = subject.strip(), body.lstrip("\n")
    try:
        content = render_to_string(f"notifications/email/{kind}.html", context)
    except TemplateDoesNotExist:
        content = linebreaks(urlize(body, autoescape=True))  # escaped by urlize, links kept
    html = render_to_string(
        "notifications/email/_layout.html", {**context, "subject_line": subject, "content": mark_safe(content)}
    )
    return subject, body, html


def _sms_template(kind: str):
    try:
        return get_template(f"notifications/sms/{kind}.txt")
    except TemplateDoesNotExist:
        return None


def _render_sms(kind: str, context: dict) -> str:
    template = _sms_template(kind) or get_template(f"notifications/sms/{SMS_REMINDER_KIND}.txt")
    return " ".join(render_text(template, context).split())


def _portal_path(subject) -> str:
    get_url = getattr(subject, "get_absolute_url", None)
    return get_url() if callable(get_url) else ""


def _subject_fields(subject) -> dict:
    if subject is None or getattr(subject, "pk", None) is None:
        return {"subject_type": None, "subject_id": None, "link": ""}
    return {
        "subject_type": ContentType.objects.get_for_model(subject),
        "subject_id": subject.pk,
        "link": _portal_path(subject),
    }


def _base_context(subject, location, context: dict, code: str) -> dict:
    path = _portal_path(subject) if subject is not None else ""
    return {
        "location": location,
        "subject": subject,
        "portal_url": f"{settings.PUBLIC_BASE_URL}{path}" if path else settings.PUBLIC_BASE_URL + "/",
        "short_url": f"{settings.PUBLIC_BASE_URL}/n/{code}/",
        "public_base_url": settings.PUBLIC_BASE_URL,
        **context,
    }


def _phi_context(kind: str, context: dict) -> dict:
    return {**context, "kind": kind, "kind_label": kind_label(kind)}


def _email_row(*, to: str, kind: str, subject, location, context: dict, key: str, headers=None) -> Notification:
    code = new_short_code()
    base = _base_context(subject, location, context, code)
    if phi_mode(location):  # only the kind of item and its link; no Reply-To: e-mail replies are off
        title, text, html = _render_email(phi_template(kind, "email"), _phi_context(kind, base))
        headers = {name: value for name, value in (headers or {}).items() if name.lower() != "reply-to"}
    else:
        title, text, html = _render_email(kind, base)
    return Notification(
        location=location,
        kind=kind,
        channel=Notification.Channel.EMAIL,
        recipient=to,
        title=title[:250],
        body=text,
        html_body=html,
        headers=dict(headers or {}),
        idempotency_key=key,
        short_code=code,
        **_subject_fields(subject),
    )


def sms_row(
    *, to: str, kind: str, subject, location, context: dict, key: str, sender: str, body=None, gated: bool = False
) -> Notification:
    """`gated`: an automated text to a lead — held until the recipient's legal window
    (notifications.quiet_hours), decided when it is queued, and to a Canadian number it names
    its sender and offers STOP (notifications.casl)."""
    code = new_short_code()
    if body is None and phi_mode(location):
        body = _render_sms(
            phi_template(kind, "sms"), _phi_context(kind, _base_context(subject, location, context, code))
        )
    elif body is None:
        body = _render_sms(kind, _base_context(subject, location, context, code))
    if gated:
        aliases = (location.name,) if location is not None else ()
        body = casl_text(body, number=to, sender=sender_name(location=location), aliases=aliases)
    row = Notification(
        location=location,
        kind=kind,
        channel=Notification.Channel.SMS,
        recipient=to,
        sender=sender,
        body=body,
        idempotency_key=key,
        short_code=code,
        **_subject_fields(subject),
    )
    row.gated = gated
    return row


def gate(row: Notification, now) -> None:
    """The compliance gate on one gated row: `not_before` is the first instant the recipient's law
    allows (now, inside the window) and the row is not due before it."""
    fallback = row.location.time_zone if row.location_id else ""
    row.not_before = next_allowed_instant(number=row.recipient, at=now, fallback_zone=fallback)
    row.next_attempt_at = max(now, row.not_before)


def _render_push(kind: str, context: dict) -> tuple[str, str]:
    title, _, body = render_text(f"notifications/push/{kind}.txt", context).strip().partition("\n")
    return title.strip()[:250], " ".join(body.split())


def push_rows(*, location, kind: str, subject, context: dict, key: str) -> list[Notification]:
    """One push row per device of the Location's users who may see the item (none when push is
    not configured or the kind has no `notifications/push/<kind>.txt`: first line the title)."""
    if location is None or not push_enabled():
        return []
    devices = list(push_recipients(location))
    if not devices:
        return []
    try:
        get_template(f"notifications/push/{kind}.txt")  # the kinds that page a device
    except TemplateDoesNotExist:
        return []
    base = _base_context(subject, location, context, "")
    if phi_mode(location):  # a lock screen is outside the login
        title, body = _render_push(phi_template(kind, "push"), _phi_context(kind, base))
    else:
        title, body = _render_push(kind, base)
    return [
        Notification(
            location=location,
            kind=kind,
            channel=Notification.Channel.PUSH,
            recipient=device.user.email,
            push_subscription=device,
            title=title,
            body=body,
            idempotency_key=f"{key}:push:{device.pk}",
            **_subject_fields(subject),
        )
        for device in devices
    ]


# --- queueing -----------------------------------------------------------------------------
def queue_notifications(rows: list[Notification]) -> list[int]:
    """Inserts the rows (ON CONFLICT DO NOTHING on the idempotency key) and enqueues the new
    ones after commit. Returns the ids of the rows of these keys that are still queued. A gated
    row outside the recipient's window waits in the outbox: `release_held_notifications` (beat,
    every minute) enqueues it when its window opens."""
    if not rows:
        return []
    now = timezone.now()
    for row in rows:
        row.created_at = row.next_attempt_at = now
        if getattr(row, "gated", False):
            gate(row, now)
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    # Rows of these keys queued by this call (an existing row of an earlier call keeps its own task).
    queued = list(
        Notification.objects.filter(
            idempotency_key__in=[row.idempotency_key for row in rows], status=Notification.Status.QUEUED, created_at=now
        )
        .order_by("id")
        .values_list("id", "next_attempt_at")
    )
    ids = [pk for pk, _ in queued]
    due = [pk for pk, at in queued if at <= now]
    if due:
        transaction.on_commit(lambda: enqueue(due))
    return ids


def enqueue(ids) -> int:
    """Hands the rows to Celery, one `send_batch` task per NOTIFICATION_BATCH_SIZE rows
    (notifications.batch); returns how many rows were handed over. A broker that is down is
    logged, the sweep sends them later."""
    from .tasks import send_batch

    ids = list(ids)
    # Even batches (130 rows: 65 + 65, not 128 + 2), so the workers sharing them finish together.
    batches = -(-len(ids) // max(settings.NOTIFICATION_BATCH_SIZE, 1))
    size = -(-len(ids) // batches) if ids else 1
    sent = 0
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        try:
            send_batch.delay(chunk)
            sent += len(chunk)
        except Exception:  # broker unreachable: the rows wait in the outbox for the sweep
            logger.warning("could not enqueue notifications %s; the sweep will send it", chunk, exc_info=True)
            break
    return sent


def _capped(location, field: str, cap: int) -> list[str]:
    """The list's distinct entries, at most `cap`: forms, admin and services refuse longer lists
    (Location.check_recipient_caps), and a list stored before the cap is not fanned out in full
    either (#9 item 8: one conflict queued 3,000 e-mails)."""
    values = list(dict.fromkeys(getattr(location, field)))
    if len(values) > cap:
        logger.warning(
            "Location %s has %d %s, over the cap of %d: notifying the first %d",
            location.pk,
            len(values),
            field,
            cap,
            cap,
        )
    return values[:cap]


def _broadcast_rows(*, location, kind, subject, context, key) -> list[Notification]:
    """Seed 001: one SMS reminder to every number of the distribution list, around the clock."""
    if not (location.sms_distribution_enabled and location.sms_distribution_list):
        return []
    return [
        sms_row(
            to=number,
            # The copy of an e-mail is of the e-mail's kind (a "conflict answered" text is one);
            # kinds without their own SMS text use the generic reminder wording (_render_sms).
            kind=kind,
            subject=subject,
            location=location,
            context=context,
            key=f"{key}:sms:{number}",
            sender=settings.TWILIO_BROADCAST_SENDER,
        )
        for number in _capped(location, "sms_distribution_list", settings.LOCATION_MAX_DISTRIBUTION_NUMBERS)
    ]


def notify_location(
    *, location, kind: str, subject, context: dict, idempotency_key: str, headers=None, push: bool = False
) -> None:
    """E-mail to the Location's notification addresses, then one SMS reminder to each number of
    its distribution list when the list is on (seed 001: every e-mail, around the clock). With
    `push`, also a push to every device of the Location's users (items waiting on the owner:
    conflicts raised, same-day requests, urgent office messages — issue #11)."""
    rows = [
        _email_row(
            to=address,
            kind=kind,
            subject=subject,
            location=location,
            context=context,
            key=f"{idempotency_key}:email:{address}",
            headers=headers,
        )
        for address in _capped(location, "notification_emails", settings.LOCATION_MAX_NOTIFICATION_EMAILS)
    ]
    if rows:
        title = rows[0].title
        rows += _broadcast_rows(
            location=location, kind=kind, subject=subject, context={"title": title, **context}, key=idempotency_key
        )
    if push:
        rows += push_rows(location=location, kind=kind, subject=subject, context=context, key=idempotency_key)
    queue_notifications(rows)


def location_sms_sender(location) -> str:
    """The Location's SMS-capable number (lead texts come from it); '' when it has none."""
    preference = Case(
        When(purpose="sms", then=Value(0)),
        When(purpose="main", then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    numbers = LocationPhoneNumber.objects.filter(location=location, sends_sms=True).order_by(preference, "id")
    return numbers.values_list("number", flat=True).first() or ""


def notify_lead(*, lead, kind: str, subject, context: dict, idempotency_key: str) -> None:
    """To the client: SMS when they have a mobile number and the consent ledger lets the brand
    text it (notifications.consent.may_text), else e-mail."""
    location = lead.location
    context = {"lead": lead, **context}
    rows: list[Notification] = []
    if lead.phone and not lead.sms_opted_out and may_text(lead.phone, lead.brand_id) and _sms_template(kind):
        sender = (location_sms_sender(location) if location else "") or settings.TWILIO_BROADCAST_SENDER
        rows.append(
            sms_row(
                to=lead.phone,
                kind=kind,
                subject=subject,
                location=location,
                context=context,
                key=f"{idempotency_key}:sms:{lead.phone}",
                sender=sender,
                gated=True,  # confirmations and reminders are automated: the recipient's law decides when
            )
        )
    elif lead.email:
        rows.append(
            _email_row(
                to=lead.email,
                kind=kind,
                subject=subject,
                location=location,
                context=context,
                key=f"{idempotency_key}:email:{lead.email}",
            )
        )
    queue_notifications(rows)


def notify_email(*, to: str, kind: str, subject, context: dict, idempotency_key: str, location=None) -> None:
    """One e-mail to one address (reply-help to a sender, for example)."""
    row = _email_row(to=to, kind=kind, subject=subject, location=location, context=context, key=idempotency_key)
    queue_notifications([row])


def notify_invitation(*, invitation, link: str) -> None:
    """Team invitation, to the invitee."""
    row = _email_row(
        to=invitation.email,
        kind=Notification.Kind.INVITATION,
        subject=None,
        location=invitation.location,
        context={"invitation": invitation, "link": link},
        key=f"invitation:{invitation.pk}:{invitation.email}:{uuid.uuid4().hex[:8]}",
    )
    queue_notifications([row])
