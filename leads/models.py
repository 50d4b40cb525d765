"""Leads (seed 003): the eight statuses, their history, the contact sequence, calls and counters.

Statuses and reasons are DESIGN.md's exact values. Every status change goes through
`leads.services.lead_set_status`, which applies the transition table, writes a
`LeadStatusChange` and keeps the per-Location `LeadStatusCount` counters in the same
transaction (so the status tabs are one small query whatever the number of leads).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone

from accounts.fields import PhoneNumberField
from accounts.models import TenantQuerySet
from accounts.scoping import location_ids_with_role, sees_brand_only_rows, visible_brand_ids, visible_location_ids


class LeadQuerySet(models.QuerySet):
    def visible_to(self, user) -> LeadQuerySet:
        """Leads of the user's visible Locations plus brand-only leads (no Location) of their brands."""

        visible = Q(location_id__in=visible_location_ids(user))
        if sees_brand_only_rows(user):
            visible |= Q(location__isnull=True, brand_id__in=visible_brand_ids(user))
        return self.filter(visible)

    def editable_by(self, user, roles=("owner", "manager")) -> LeadQuerySet:
        return self.filter(location_id__in=location_ids_with_role(user, roles))


class Lead(models.Model):
    class Status(models.TextChoices):
        CONVERTED = "converted", "Converted"
        BAD_LEAD = "bad_lead", "Bad lead"
        CANCELLED = "cancelled", "Cancelled"
        TEST_LEAD = "test_lead", "Test lead"
        IN_PROCESS = "in_process", "In process"
        NOT_CONVERTED = "not_converted", "Not converted"
        OWNER_ACTION = "owner_action", "Owner action"
        SERVICES_UNAVAILABLE = "services_unavailable", "Services unavailable"

    class Reason(models.TextChoices):
        DUPLICATE = "duplicate", "Duplicate"
        FAKE_CONTACT_INFO = "fake_contact_info", "Fake or incorrect contact information"
        DID_NOT_REQUEST = "did_not_request", "Did not request information"
        ACS_EXHAUSTED = "acs_exhausted", "Contact sequence finished without contact"
        NO_AREA = "no_area", "Postal code in no area"
        SERVICE_NOT_OFFERED = "service_not_offered", "Service not offered"
        TRANSFERRED = "transferred", "Transferred to the owner"
        MESSAGED = "messaged", "Message sent to the owner"
        BOOKED_DIRECTLY = "booked_directly", "Booked directly with the owner"
        REFUSED = "refused", "Refused after a presentation"

    class Source(models.TextChoices):
        PHONE = "phone", "Phone"
        ONLINE = "online", "Online"
        SMS = "sms", "SMS"
        API = "api", "API"

    # Statuses that make a lead "open" for duplicate detection (DESIGN.md "Capture").
    OPEN_STATUSES = (Status.IN_PROCESS, Status.OWNER_ACTION, Status.CONVERTED)

    brand = models.ForeignKey("accounts.Brand", on_delete=models.PROTECT, related_name="leads")
    location = models.ForeignKey(
        "accounts.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
        help_text="Empty for a lead no area covers: it belongs to its brand only.",
    )
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    phone = PhoneNumberField(blank=True)
    email = models.EmailField(blank=True)
    address = models.CharField("service address", max_length=250, blank=True)
    postal_code = models.CharField(max_length=10, blank=True)
    service = models.ForeignKey(
        "accounts.Service", on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )
    service_name = models.CharField(max_length=120, blank=True, help_text="The service as the lead asked for it.")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PHONE)
    external_id = models.CharField(
        max_length=100, blank=True, help_text="The integration's id; unique within the posting token's scope."
    )
    # The namespace external_id is unique in (leads.capture.external_id_scope_for): "brand" for
    # brand and agent tokens, "location:<id>" for a location token, so one franchisee's token
    # cannot claim an id another Location's web form will send.
    external_id_scope = models.CharField(max_length=40, default="brand", editable=False)
    capture_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    notes = models.TextField(blank=True)
    test = models.BooleanField(default=False)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.IN_PROCESS)
    reason = models.CharField(max_length=200, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    sms_opted_out = models.BooleanField(default=False, help_text="Set when the lead texts STOP.")
    # Automated contact sequence: index of the next step, when it runs, first contact.
    contact_position = models.PositiveSmallIntegerField(default=0)
    contact_next_run_at = models.DateTimeField(null=True, blank=True)
    contacted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "external_id_scope", "external_id"],
                condition=~Q(external_id=""),
                name="lead_external_id_unique_per_scope",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "converted",
                        "bad_lead",
                        "cancelled",
                        "test_lead",
                        "in_process",
                        "not_converted",
                        "owner_action",
                        "services_unavailable",
                    ]
                ),
                name="lead_status_valid",
            ),
        ]
        indexes = [
            # The Leads list: one Location, one status tab, newest first (cursor on created_at, id).
            models.Index(fields=["location", "status", "created_at", "id"], name="lead_loc_status_created"),
            # The "All" tab and date-range filters.
            models.Index(fields=["location", "created_at", "id"], name="lead_loc_created"),
            # Agents and staff on "All my locations": the newest of every Location, read in order.
            models.Index(fields=["created_at", "id"], name="lead_created"),
            # Brand-only leads (no Location) for brand users.
            models.Index(
                fields=["brand", "status", "created_at", "id"],
                condition=Q(location__isnull=True),
                name="lead_brand_only",
            ),
            # API list: ordered by (-updated_at, -id), filtered by updated_since.
            models.Index(fields=["updated_at", "id"], name="lead_updated"),
            models.Index(fields=["location", "updated_at", "id"], name="lead_loc_updated"),
            # Duplicate detection: same Location + phone / e-mail.
            models.Index(fields=["location", "phone"], name="lead_loc_phone"),
            models.Index(fields=["location", "email"], name="lead_loc_email"),
            models.Index(fields=["phone"], name="lead_phone"),
            # Contact sequence due scan.
            models.Index(
                fields=["contact_next_run_at"], condition=Q(contact_next_run_at__isnull=False), name="lead_contact_due"
            ),
            # Search (icontains → UPPER(col) LIKE UPPER('%term%')): trigram GIN on the same expressions.
            GinIndex(OpClass(Upper("first_name"), name="gin_trgm_ops"), name="lead_first_name_trgm"),
            GinIndex(OpClass(Upper("last_name"), name="gin_trgm_ops"), name="lead_last_name_trgm"),
            GinIndex(OpClass(Upper("email"), name="gin_trgm_ops"), name="lead_email_trgm"),
            GinIndex(OpClass(Upper("phone"), name="gin_trgm_ops"), name="lead_phone_trgm"),
        ]

    def __str__(self):
        return self.full_name or self.phone or self.email or f"Lead {self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_absolute_url(self) -> str:
        return f"/leads/{self.pk}/"

    @property
    def time_zone(self) -> str:
        """The zone its times are shown in: its Location's (UTC for a brand-only lead)."""
        return self.location.time_zone if self.location_id else "UTC"

    @property
    def is_online(self) -> bool:
        return self.source in (self.Source.ONLINE, self.Source.API)


class LeadStatusChange(models.Model):
    """One row per status change (from, to, reason, actor, when); `from_status` "" for a new lead."""

    class ActorKind(models.TextChoices):
        SYSTEM = "system", "System"
        AGENT = "agent", "Agent"
        STAFF = "staff", "Call-center staff"
        OWNER = "owner", "Owner"
        MANAGER = "manager", "Manager"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="status_changes")
    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24)
    reason = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["lead", "created_at"], name="lead_change_lead"),
            models.Index(fields=["location", "created_at"], name="lead_change_location"),
        ]

    def __str__(self):
        return f"{self.lead_id}: {self.from_status or '(new)'} → {self.to_status}"


class LeadStatusCount(models.Model):
    """Per-Location (or brand-only, location NULL) count of leads in each status.

    Kept by the status service with an atomic upsert in the same transaction as the change,
    so the status tabs read a handful of rows instead of counting millions.
    """

    brand = models.ForeignKey("accounts.Brand", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, null=True, related_name="+")
    status = models.CharField(max_length=24)
    count = models.IntegerField(default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "location", "status"], name="lead_status_count_unique", nulls_distinct=False
            )
        ]

    def __str__(self):
        return f"{self.location_id or 'brand ' + str(self.brand_id)} {self.status}: {self.count}"


class DailyRollup(models.Model):
    """One Location's day (its own local date): non-test leads created that day by their current
    status, appointments booked that day (holds aside), conflicts answered that day (issue #17).

    Kept by the services that write those rows (`leads.rollups.rollup_add`, an upsert in their
    transaction), rebuilt from the live rows by `manage.py rebuild_rollups`; the dashboard's month
    at a glance and 90-day chart read a few hundred of these instead of counting millions.
    """

    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    leads_converted = models.IntegerField(default=0, db_default=0)
    leads_bad_lead = models.IntegerField(default=0, db_default=0)
    leads_cancelled = models.IntegerField(default=0, db_default=0)
    leads_test_lead = models.IntegerField(default=0, db_default=0)
    leads_in_process = models.IntegerField(default=0, db_default=0)
    leads_not_converted = models.IntegerField(default=0, db_default=0)
    leads_owner_action = models.IntegerField(default=0, db_default=0)
    leads_services_unavailable = models.IntegerField(default=0, db_default=0)
    appointments = models.IntegerField(default=0, db_default=0)
    conflicts_answered = models.IntegerField(default=0, db_default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["location", "day"], name="daily_rollup_unique")]

    def __str__(self):
        return f"{self.location_id} {self.day}"


class ContactStep(models.Model):
    """One step of a brand's automated contact sequence (ACS)."""

    class Kind(models.TextChoices):
        CALL = "call", "Call (agents' call queue)"
        SMS_INTRO = "sms_intro", "Introduction SMS"
        WAIT = "wait", "Wait"

    brand = models.ForeignKey("accounts.Brand", on_delete=models.CASCADE, related_name="contact_steps")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    wait_minutes = models.PositiveIntegerField(default=0, help_text="For a wait step: minutes (1 day = 1440).")

    class Meta:
        ordering = ["brand", "position"]
        constraints = [models.UniqueConstraint(fields=["brand", "position"], name="contact_step_unique_position")]

    def __str__(self):
        if self.kind == self.Kind.WAIT:
            return f"{self.position}. wait {self.wait_minutes} min"
        return f"{self.position}. {self.get_kind_display()}"


class CallTask(models.Model):
    """An entry of the agents' call queue: call this lead at `due_at`."""

    class Outcome(models.TextChoices):
        NO_ANSWER = "no_answer", "No answer"
        REACHED = "reached", "Reached"
        BAD_NUMBER = "bad_number", "Bad number"
        CALLBACK_AT = "callback_at", "Call back at"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="call_tasks")
    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField()
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    callback_at = models.DateTimeField(null=True, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["due_at", "id"], condition=Q(completed_at__isnull=True), name="call_task_open"),
            models.Index(fields=["lead", "created_at"], name="call_task_lead"),
        ]

    def __str__(self):
        return f"Call {self.lead} at {self.due_at:%Y-%m-%d %H:%M}"


class CallRecord(models.Model):
    """A call the telephony integration reports; its Location comes from the number called."""

    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="call_records")
    caller_number = PhoneNumberField()
    called_number = PhoneNumberField()
    started_at = models.DateTimeField()
    duration_seconds = models.PositiveIntegerField(default=0)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recording_url = models.URLField(max_length=500, blank=True)
    lead = models.ForeignKey(Lead, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls")
    provider_call_id = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["caller_number", "started_at"], name="call_caller"),
            models.Index(fields=["called_number", "started_at"], name="call_called"),
            models.Index(fields=["location", "started_at"], name="call_location"),
            models.Index(fields=["lead"], name="call_lead"),
        ]

    def __str__(self):
        return f"{self.caller_number} → {self.called_number} at {self.started_at:%Y-%m-%d %H:%M}"
