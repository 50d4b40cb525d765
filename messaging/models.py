"""Messaging: office messages and their read state, lead SMS threads (DESIGN.md "Messaging").
The outbox and opt-outs are the notifications app's."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone

from accounts.fields import PhoneNumberField
from accounts.models import TenantQuerySet


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
    # Urgent messages (issue #11): "Got it" says someone saw it; unseen after
    # URGENT_ESCALATION_MINUTES it is texted once more to the owners' own mobiles (portal.urgent);
    # it stays in the Action Center until handled ("Called back", with a note) — not until read.
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_channel = models.CharField(max_length=12, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_note = models.TextField(blank=True)

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
            # The Action Center and /live/: urgent messages nobody has handled yet.
            models.Index(
                fields=["location", "created_at", "id"],
                condition=Q(urgent=True, handled_at=None),
                name="office_message_loc_open_urgent",
            ),
            # The escalation sweep: urgent, unseen, not yet escalated.
            models.Index(
                fields=["created_at"],
                condition=Q(urgent=True, acknowledged_at=None, handled_at=None, escalated_at=None),
                name="office_message_escalation_due",
            ),
            models.Index(fields=["location", "created_at", "id"], name="office_message_loc_created"),
            # Agents and staff on "All my locations": the newest of every Location, read in order.
            models.Index(fields=["created_at", "id"], name="office_message_created"),
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
        "notifications.Notification", on_delete=models.SET_NULL, null=True, blank=True, related_name="sms_messages"
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
