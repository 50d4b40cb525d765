"""Notifications: the outbox of e-mails and texts, provider status callbacks, webhook receipts and
SMS opt-outs (DESIGN.md "Messaging" → Outbox). The bottom layer above accounts: every capability
that notifies calls `notifications.outbox`; this app imports none of them.

The tables were messaging's (`messaging_*`): moved without a row lost (migrations
notifications/0001 and messaging/0003 change Django's state only), so `db_table` keeps their names."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.fields import PhoneNumberField
from accounts.models import TenantQuerySet


def new_short_code() -> str:
    return secrets.token_urlsafe(8)[:10]


class Notification(models.Model):
    """One outbound e-mail or SMS (the outbox). Written in its cause's transaction, sent by
    `notifications.tasks.send_notification` after commit, claimed with a conditional UPDATE."""

    class Kind(models.TextChoices):
        """What the notification is about; its templates are `notifications/{email,sms}/<kind>.txt`."""

        OFFICE_MESSAGE = "office_message", "Office message"
        CONFLICT_RAISED = "conflict_raised", "Conflict"
        CONFLICT_REMINDER = "conflict_reminder", "Conflict reminder"
        CONFLICT_ANSWERED = "conflict_answered", "Conflict answer"
        SAME_DAY_REQUEST = "same_day_request", "Same-day request"
        REPLY_HELP = "reply_help", "Reply help"
        BOOKING = "booking", "New appointment"
        FORCED_BOOKING = "forced_booking", "Forced booking"
        RESCHEDULE = "reschedule", "Rescheduled appointment"
        CANCELLATION = "cancellation", "Cancelled appointment"
        CLIENT_CONFIRMATION = "client_confirmation", "Client confirmation"
        CLIENT_REMINDER = "client_reminder", "Client reminder"
        INVITATION = "invitation", "Team invitation"
        SMS_INTRO = "sms_intro", "Text to the lead"
        LEAD_SMS = "lead_sms", "lead sms"  # an agent's own text; the label is what pages showed before Kind
        URGENT_ESCALATION = "urgent_escalation", "Urgent item escalated"  # portal.urgent: texted to owners
        REMINDER = "reminder", "Reminder"  # the generic SMS copy of an e-mail without its own text

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        SMS = "sms", "SMS"
        PUSH = "push", "Push"  # one row per device (PushSubscription) of a user of the Location

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        UNDELIVERED = "undelivered", "Undelivered"
        FAILED = "failed", "Failed"
        SUPPRESSED = "suppressed", "Suppressed (opted out)"
        UNKNOWN = "unknown", "Unknown (checking with the provider)"
        GONE = "gone", "Gone (the device unsubscribed)"  # a push service's 404/410: not a failure to show

    FAILED_STATUSES = (Status.FAILED, Status.UNDELIVERED)
    # Texts to leads (consumers): their consent is per brand (notifications.consent); the other
    # texts go to owners' own numbers, withheld only by a STOP to the broadcast sender.
    LEAD_KINDS = frozenset({"client_confirmation", "client_reminder", "sms_intro", "lead_sms"})

    location = models.ForeignKey(
        "accounts.Location", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    recipient = models.CharField(max_length=254, help_text="E-mail address, E.164 number or (push) the user's e-mail.")
    sender = models.CharField(max_length=64, blank=True, help_text="SMS: the From number or Messaging Service SID.")
    push_subscription = models.ForeignKey(
        "notifications.PushSubscription",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        help_text="Push: the device; emptied when the device unsubscribes (the row then ends gone).",
    )
    subject_type = models.ForeignKey(ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    link = models.CharField(max_length=500, blank=True, help_text="The portal page of the subject.")
    short_code = models.CharField(max_length=12, unique=True, default=new_short_code)
    title = models.CharField("e-mail subject", max_length=250, blank=True)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    provider_id = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now, help_text="Not sent before (retry backoff).")
    # Set on automated texts to leads (the compliance gate, notifications.quiet_hours): the first
    # instant the recipient's law allows; a row queued outside the window waits until then, and
    # a retry never falls outside it. Null: not gated (owners' e-mails and texts, conversation).
    not_before = models.DateTimeField(
        null=True, blank=True, help_text="Automated text to a lead: not sent before the recipient's legal window."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # A failed delivery someone has seen and dealt with leaves the Action Center (issue #11).
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        db_table = "messaging_notification"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "queued",
                        "sending",
                        "sent",
                        "delivered",
                        "undelivered",
                        "failed",
                        "suppressed",
                        "unknown",
                        "gone",
                    ]
                ),
                name="notification_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["email", "sms", "push"]), name="notification_channel_valid"
            ),
        ]
        indexes = [
            # Delivery history of one subject.
            models.Index(fields=["subject_type", "subject_id", "created_at"], name="notification_subject"),
            # The sweep: stuck `sending` rows and never-claimed `queued` rows.
            models.Index(
                fields=["status", "claimed_at"],
                condition=Q(status__in=["queued", "sending", "unknown"]),
                name="notification_pending",
            ),
            # Failed deliveries in the Action Center.
            models.Index(
                fields=["location", "created_at"],
                condition=Q(status__in=["failed", "undelivered"]),
                name="notification_failed",
            ),
            # Status callbacks.
            models.Index(fields=["provider_id"], condition=~Q(provider_id=""), name="notification_provider_id"),
        ]

    def __str__(self):
        return f"{self.kind} {self.channel} to {self.recipient} ({self.status})"

    @property
    def short_url(self) -> str:
        return f"{settings.PUBLIC_BASE_URL}/n/{self.short_code}/"

    @property
    def is_failure(self) -> bool:
        return self.status in self.FAILED_STATUSES

    @property
    def consent_brand_id(self) -> int | None:
        """The brand whose consent a text needs (None: every-sender opt-outs only)."""
        if self.kind in self.LEAD_KINDS and self.location_id:
            return self.location.brand_id
        return None


class StatusCallback(models.Model):
    """A Twilio status callback waiting for its row: Twilio may report `delivered` before the
    send's own answer (with the MessageSid) is recorded, or while the row is `unknown`. Applied
    and deleted as soon as a row carries this provider id (notifications.delivery)."""

    provider_id = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=12)
    error_code = models.CharField(max_length=16, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "messaging_statuscallback"
        ordering = ["received_at", "id"]

    def __str__(self):
        return f"{self.provider_id} {self.status}"


class WebhookReceipt(models.Model):
    """A webhook delivery already acted on, by its provider's own id (a Twilio MessageSid, a
    Mailgun token): a redelivery or a replay finds its row and changes nothing."""

    source = models.CharField(max_length=20)
    key = models.CharField(max_length=200)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "messaging_webhookreceipt"
        constraints = [models.UniqueConstraint(fields=["source", "key"], name="webhook_receipt_unique")]
        indexes = [models.Index(fields=["received_at"], name="webhook_receipt_received")]

    def __str__(self):
        return f"{self.source} {self.key}"


class RefusedWebhook(models.Model):
    """An inbound webhook answered with a refusal (bad signature, unconfigured secret, replay,
    malformed post), recorded by RefusedWebhookMiddleware: several in an hour usually mean a
    provider's secret no longer matches ours (the operations overview counts them)."""

    path = models.CharField(max_length=200)
    status = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=200, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.path} {self.status}"


class SmsOptOut(models.Model):
    """The current consent state per number and brand (the consent ledger's fast table, kept in
    the same transaction as each `ConsentEvent`): honoured before every send. A row without a
    brand covers every sender of ours: a STOP to the shared broadcast sender, and the opt-outs
    recorded before consent was kept per brand."""

    number = PhoneNumberField()
    brand = models.ForeignKey(
        "accounts.Brand", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        help_text="Empty: every sender of ours.",
    )  # fmt: skip
    opted_out = models.BooleanField(default=True)
    source = models.CharField(max_length=24, blank=True, help_text="The ledger source of the latest change.")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "messaging_smsoptout"
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["number", "brand"], nulls_distinct=False, name="sms_opt_out_number_brand")
        ]

    def __str__(self):
        return f"{self.number} {'opted out' if self.opted_out else 'opted in'}"


class ConsentEvent(models.Model):
    """The consent ledger (issue #14): one row per opt-in or opt-out of a phone number toward a
    brand, with what caused it. Append-only: a PostgreSQL trigger (migration 0006) refuses UPDATE
    and DELETE, so no write path can rewrite the history. Its related rows are referenced
    without database constraints (no cascade may touch the ledger) and the actor's name is kept
    as it was."""

    class Kind(models.TextChoices):
        OPT_IN = "opt_in", "Opted in"
        OPT_OUT = "opt_out", "Opted out"

    class Source(models.TextChoices):
        CAPTURE_API = "capture_api", "Consent captured with the lead (sms_consent)"
        FIRST_INBOUND_TEXT = "first_inbound_text", "The lead's first text"
        KEYWORD = "keyword", "Keyword texted (STOP/START)"
        PHRASE = "phrase", "Asked in words by text"
        TWILIO_21610 = "twilio_21610", "Twilio error 21610 (unsubscribed recipient)"
        AGENT_ON_CALL = "agent_on_call", "Asked on a call (marked by the agent)"
        STAFF = "staff", "Changed by call-center staff"

    class ActorKind(models.TextChoices):
        LEAD = "lead", "The lead"
        USER = "user", "User"
        TOKEN = "token", "API token"
        SYSTEM = "system", "System"

    number = PhoneNumberField()
    brand = models.ForeignKey(
        "accounts.Brand", on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    location = models.ForeignKey(
        "accounts.Location", on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True,
        related_name="+", help_text="The Location whose line, lead or call it came through.",
    )  # fmt: skip
    kind = models.CharField(max_length=8, choices=Kind.choices)
    source = models.CharField(max_length=24, choices=Source.choices)
    message = models.TextField(blank=True, help_text="The text, consent wording or error that caused it.")
    source_url = models.CharField(max_length=500, blank=True)
    consented_at = models.DateTimeField(null=True, blank=True, help_text="capture_api: when the lead agreed.")
    actor_kind = models.CharField(max_length=8, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    actor_token = models.ForeignKey(
        "accounts.ApiToken", on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True, help_text="The actor's name when it acted.")
    at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["opt_in", "opt_out"]), name="consent_event_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["number", "brand", "at"], name="consent_event_number_brand"),
            models.Index(fields=["location", "at"], name="consent_event_location"),
        ]

    def __str__(self):
        return f"{self.number} {self.kind} ({self.source})"

    @property
    def actor_display(self) -> str:
        if self.actor_kind == self.ActorKind.LEAD:
            return "the lead"
        return self.actor_label or self.get_actor_kind_display()


class PushSubscription(models.Model):
    """One browser or installed app of a user that accepted notifications: the browser's
    `PushSubscription.toJSON()` (issue #11 "Installable and push"). The endpoint is the push
    service's address for that device, unique: a browser that subscribes again (or for another
    user who signed in on it) updates its row. Removed when the push service answers 404/410."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=2000, unique=True)
    p256dh = models.CharField(max_length=100, help_text="The device's P-256 public key (base64url).")
    auth = models.CharField(max_length=40, help_text="The device's authentication secret (base64url).")
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.user} on {self.device_name}"

    @property
    def device_name(self) -> str:
        return describe_user_agent(self.user_agent)

    def subscription_info(self) -> dict:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


BROWSERS = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("Linux", "Linux"),
)


def describe_user_agent(user_agent: str) -> str:
    """ "Chrome on Android" from a User-Agent header: enough to tell one's devices apart."""
    ua = user_agent or ""
    browser = next((name for token, name in BROWSERS if token in ua), "")
    system = next((name for token, name in SYSTEMS if token in ua), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown browser"
