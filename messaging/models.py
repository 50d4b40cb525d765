"""Messaging: the notification outbox, office messages, SMS threads and opt-outs (DESIGN.md "Messaging")."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone

from accounts.fields import PhoneNumberField
from accounts.models import TenantQuerySet


def new_short_code() -> str:
    return secrets.token_urlsafe(8)[:10]


class Notification(models.Model):
    """One outbound e-mail or SMS (the outbox). Written in its cause's transaction, sent by
    `messaging.tasks.send_notification` after commit, claimed with a conditional UPDATE."""

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        SMS = "sms", "SMS"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        UNDELIVERED = "undelivered", "Undelivered"
        FAILED = "failed", "Failed"
        SUPPRESSED = "suppressed", "Suppressed (opted out)"
        UNKNOWN = "unknown", "Unknown (checking with the provider)"

    FAILED_STATUSES = (Status.FAILED, Status.UNDELIVERED)

    location = models.ForeignKey(
        "accounts.Location", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    recipient = models.CharField(max_length=254, help_text="E-mail address or E.164 number.")
    sender = models.CharField(max_length=64, blank=True, help_text="SMS: the From number or Messaging Service SID.")
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
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
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
                    ]
                ),
                name="notification_status_valid",
            ),
            models.CheckConstraint(condition=Q(channel__in=["email", "sms"]), name="notification_channel_valid"),
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


class StatusCallback(models.Model):
    """A Twilio status callback waiting for its row: Twilio may report `delivered` before the
    send's own answer (with the MessageSid) is recorded, or while the row is `unknown`. Applied
    and deleted as soon as a row carries this provider id (messaging.delivery)."""

    provider_id = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=12)
    error_code = models.CharField(max_length=16, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
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
        constraints = [models.UniqueConstraint(fields=["source", "key"], name="webhook_receipt_unique")]
        indexes = [models.Index(fields=["received_at"], name="webhook_receipt_received")]

    def __str__(self):
        return f"{self.source} {self.key}"


class SmsOptOut(models.Model):
    """STOP/START per number (any sender of ours): honoured before every send."""

    number = PhoneNumberField(unique=True)
    opted_out = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["number"]

    def __str__(self):
        return f"{self.number} {'opted out' if self.opted_out else 'opted in'}"


class OfficeMessage(models.Model):
    """A message an agent took for the Location (seed 002 "When we take messages")."""

    class Category(models.TextChoices):
        LEAD = "lead", "Lead"
        EXISTING_CUSTOMER = "existing_customer", "Existing customer"
        EMPLOYEE = "employee", "Employee"
        OTHER = "other", "Other"

    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="office_messages")
    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.SET_NULL, null=True, blank=True, related_name="office_messages"
    )
    caller_name = models.CharField(max_length=150)
    callback_number = PhoneNumberField()
    category = models.CharField(max_length=20, choices=Category.choices)
    urgent = models.BooleanField(default=False)
    body = models.TextField()
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=["lead", "existing_customer", "employee", "other"]),
                name="office_message_category_valid",
            )
        ]
        indexes = [
            models.Index(fields=["location", "created_at", "id"], name="office_message_loc_created"),
            models.Index(fields=["location", "category", "created_at", "id"], name="office_message_loc_category"),
            models.Index(
                fields=["location", "created_at", "id"], condition=Q(urgent=True), name="office_message_loc_urgent"
            ),
            GinIndex(OpClass(Upper("body"), name="gin_trgm_ops"), name="office_message_body_trgm"),
            GinIndex(OpClass(Upper("caller_name"), name="gin_trgm_ops"), name="office_message_caller_trgm"),
        ]

    def __str__(self):
        return f"Message from {self.caller_name}"

    def get_absolute_url(self) -> str:
        return f"/messages/{self.pk}/"


class MessageRead(models.Model):
    """Read state is per user (DESIGN.md "Several locations")."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(OfficeMessage, on_delete=models.CASCADE, related_name="reads")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "message"], name="message_read_unique")]

    def __str__(self):
        return f"{self.user} read {self.message_id}"


class SmsMessage(models.Model):
    """One text of a lead's SMS thread (seed 001 "SMS Notifications")."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", "From the lead"
        OUTBOUND = "outbound", "To the lead"

    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="sms_messages")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, null=True, blank=True, related_name="sms_messages")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    body = models.TextField()
    from_number = models.CharField(max_length=32)
    to_number = models.CharField(max_length=32)
    message_sid = models.CharField(max_length=64, unique=True, null=True, blank=True)
    notification = models.ForeignKey(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="sms_messages"
    )
    redacted = models.BooleanField(default=False)
    # MMS: [{"url": …, "content_type": …}] as Twilio posted them (MediaUrlN, MediaContentTypeN).
    media = models.JSONField(default=list, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["lead", "created_at", "id"], name="sms_message_thread")]

    def __str__(self):
        return f"{self.direction} {self.from_number} → {self.to_number}"
