"""Conflicts, same-day requests and the agents' callback queue (seeds 000 and 004).

A Conflict is raised by an agent when a client wants a time outside the owner's availability
(`schedule`) or a meeting place the owner does not offer (`location`). A SameDayRequest is the
owner's permission for an appointment starting within 24 hours of the call. Whatever the owner
answers becomes a Callback: an agent calls the client back and records the outcome, which
closes the conflict or request.

Appointments (calendars) point here (source conflict / same-day request); nothing here points
at calendars, so the migrations form no cycle.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.models import Location, TenantQuerySet

MEETING_TYPES = Location.MeetingType.choices


class OwnerRequest(models.Model):
    """What an agent asks the owner for, and the owner's answer: the fields a Conflict (seed 004)
    and a SameDayRequest (seed 000) share, named once. Each keeps its own statuses and channels;
    the API's field names stay as DESIGN.md has them (conflicts/api.py maps the few that differ)."""

    requested_start = models.DateTimeField()
    requested_end = models.DateTimeField()
    requested_meeting_type = models.CharField(max_length=20, choices=MEETING_TYPES)
    owner_notes = models.TextField(blank=True, help_text="The owner's notes for the caller.")
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class Conflict(OwnerRequest):
    class Kind(models.TextChoices):
        SCHEDULE = "schedule", "Schedule conflict"
        LOCATION = "location", "Location conflict"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for your answer"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        ALTERNATE_SUGGESTED = "alternate_suggested", "Alternate suggested"
        CLOSED = "closed", "Closed"

    class Decision(models.TextChoices):
        APPROVE = "approve", "Approve"
        DECLINE = "decline", "Decline"
        ALTERNATE = "alternate", "Suggest an alternate"

    class Channel(models.TextChoices):
        ACTION_CENTER = "action_center", "Action Center"
        CALENDAR = "calendar", "Calendar"
        EMAIL_LINK = "email_link", "E-mail link"
        EMAIL_REPLY = "email_reply", "E-mail reply"
        SMS_LINK = "sms_link", "SMS link"
        API = "api", "API"

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="conflicts")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="conflicts")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    requested_address = models.CharField(max_length=250, blank=True)
    caller_notes = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    alternate_start = models.DateTimeField(null=True, blank=True)
    alternate_end = models.DateTimeField(null=True, blank=True)
    alternate_meeting_type = models.CharField(max_length=20, choices=MEETING_TYPES, blank=True)
    response_channel = models.CharField(max_length=20, choices=Channel.choices, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta(OwnerRequest.Meta):
        indexes = [
            models.Index(fields=["location", "status", "created_at"], name="conflict_loc_status_idx"),
            models.Index(fields=["status", "created_at"], name="conflict_status_idx"),
            models.Index(fields=["location", "responded_at"], name="conflict_loc_responded_idx"),
            models.Index(fields=["lead", "status"], name="conflict_lead_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(requested_end__gt=models.F("requested_start")), name="conflict_requested_order"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} — {self.lead}"

    def get_absolute_url(self) -> str:
        return reverse("conflict_detail", args=[self.pk])

    def agreed_booking(self):
        """The (start, end, meeting type) the owner agreed to (seed 004): the requested one when
        approved, their own alternate when they suggested one; None otherwise. A booking from
        this conflict is that, nothing else (calendars.services)."""
        if self.status == self.Status.APPROVED:
            return self.requested_start, self.requested_end, self.requested_meeting_type
        if self.status == self.Status.ALTERNATE_SUGGESTED and self.alternate_start:
            return (
                self.alternate_start,
                self.alternate_end or self.alternate_start + (self.requested_end - self.requested_start),
                self.alternate_meeting_type or self.requested_meeting_type,
            )
        return None


class SameDayRequest(OwnerRequest):
    """The owner's permission for an appointment within 24 h of the call (seed 000)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for your answer"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        CLOSED = "closed", "Closed"
        EXPIRED = "expired", "Expired"

    class Decision(models.TextChoices):
        APPROVE = "approve", "Approve"
        DECLINE = "decline", "Decline"

    class Channel(models.TextChoices):
        ACTION_CENTER = "action_center", "Action Center"
        CALENDAR = "calendar", "Calendar"
        EMAIL_LINK = "email_link", "E-mail link"
        SMS_LINK = "sms_link", "SMS link"
        PHONE = "phone", "Phone (recorded by an agent)"
        API = "api", "API"

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="same_day_requests")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="same_day_requests")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    response_channel = models.CharField(max_length=20, choices=Channel.choices, blank=True)
    outcome = models.CharField(max_length=20, blank=True, help_text="The callback's outcome, once closed.")
    closed_reason = models.CharField(
        max_length=300, blank=True, help_text="Why it closed itself: its approval became impossible."
    )
    # "Got it" (issue #11): someone saw it before answering; unseen after URGENT_ESCALATION_MINUTES
    # it is texted once more to the owners' own mobiles (portal.urgent).
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_channel = models.CharField(max_length=12, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta(OwnerRequest.Meta):
        indexes = [
            # The escalation sweep: pending, unseen, not yet escalated.
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="pending", acknowledged_at=None, escalated_at=None),
                name="sameday_escalation_due",
            ),
            models.Index(fields=["location", "status", "created_at"], name="sameday_loc_status_idx"),
            models.Index(fields=["status", "requested_start"], name="sameday_status_start_idx"),
            models.Index(fields=["lead", "status"], name="sameday_lead_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(requested_end__gt=models.F("requested_start")), name="sameday_requested_order"
            ),
        ]

    def __str__(self):
        return f"Same-day request #{self.pk} — {self.lead}"

    def get_absolute_url(self) -> str:
        return reverse("same_day_detail", args=[self.pk])

    def approves(self, *, lead, start, end) -> bool:
        """An approved request of this lead whose window covers [start, end) (seed 000)."""
        return (
            self.lead_id == lead.pk
            and self.status == self.Status.APPROVED
            and self.requested_start <= start
            and end <= self.requested_end
        )


class Callback(models.Model):
    """A call an agent owes a client after the owner answered a conflict or same-day request."""

    class Reason(models.TextChoices):
        CONFLICT_APPROVED = "conflict_approved", "Book the requested time"
        CONFLICT_ALTERNATE = "conflict_alternate", "Offer the owner's alternate"
        CONFLICT_DECLINED = "conflict_declined", "Tell the client the owner declined"
        SAME_DAY_APPROVED = "same_day_approved", "Confirm the same-day appointment"
        SAME_DAY_DECLINED = "same_day_declined", "Offer a later time"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Outcome(models.TextChoices):
        BOOKED = "booked", "Booked"
        BOOKED_LATER = "booked_later", "Booked a later time"
        CONFIRMED = "confirmed", "Confirmed with the client"
        INFORMED = "informed", "Client informed"
        REFUSED = "refused", "Client refused"
        UNREACHABLE = "unreachable", "Client unreachable"

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="callbacks")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="callbacks")
    conflict = models.ForeignKey(Conflict, on_delete=models.CASCADE, null=True, blank=True, related_name="callbacks")
    same_day_request = models.ForeignKey(
        SameDayRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="callbacks"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    instructions = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="callback_status_idx"),
            models.Index(fields=["location", "status", "created_at"], name="callback_loc_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(conflict__isnull=False) | models.Q(same_day_request__isnull=False),
                name="callback_has_subject",
            ),
        ]

    def __str__(self):
        return f"Callback #{self.pk} — {self.get_reason_display()}"

    @property
    def subject(self):
        return self.conflict or self.same_day_request


class ResponseLinkUse(models.Model):
    """A used e-mail/SMS answer link: each signed link answers once."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    def __str__(self):
        return f"{self.digest[:12]}… used {self.used_at:%Y-%m-%d %H:%M}"
