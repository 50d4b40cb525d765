"""Users, brands, locations (the tenant), areas, memberships, invitations and API tokens."""

from __future__ import annotations

import secrets
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, Group, PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Q
from django.utils import timezone

from .fields import PhoneNumberField
from .normalize import normalize_login_identifier, normalize_postal_code

AGENTS_GROUP = "Agents"


# --- Users -------------------------------------------------------------------------------
class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=normalize_login_identifier(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username):
        # iexact still: rows written before the normalisation may hold mixed case.
        return self.get(email__iexact=normalize_login_identifier(username))


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    phone = PhoneNumberField(blank=True, help_text="Used when a Location has no contact numbers.")
    mobile = PhoneNumberField(
        blank=True, help_text="The owner's own mobile: urgent items nobody acknowledged are texted here."
    )
    is_staff = models.BooleanField(default=False, help_text="Call-center admin: may use Django admin.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = normalize_login_identifier(self.email)

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return (self.full_name or self.email).split(" ")[0]

    @property
    def is_agent(self) -> bool:
        """Call-center agent: in the Agents group, or acting through an agent-scoped API token."""
        token = getattr(self, "api_token", None)
        if token is not None:
            return token.scope == ApiToken.Scope.AGENT
        return self._access()[0]

    @property
    def has_brand_access(self) -> bool:
        """Brand leadership of at least one brand (sees its Locations and brand-only leads)."""
        if getattr(self, "api_token", None) is not None:
            return False
        return self._access()[1]

    @property
    def owns_a_location(self) -> bool:
        """Owner of at least one Location: the Settings page is theirs (the nav shows it)."""
        return self._access()[2]

    def _access(self) -> tuple[bool, bool, bool]:
        """(is agent, has brand memberships, owns a Location) in one query, cached on this user
        object (a request's)."""
        cached = self.__dict__.get("_access_cache")
        if cached is None:
            # Written in SQL: every portal page asks, and compiling the three EXISTS with the ORM
            # cost five times running them (issue #17).
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT EXISTS(SELECT 1 FROM {Group._meta.db_table} g"
                    f" JOIN {User.groups.through._meta.db_table} ug ON ug.group_id = g.id"
                    " WHERE g.name = %s AND ug.user_id = %s),"
                    f" EXISTS(SELECT 1 FROM {BrandMembership._meta.db_table} WHERE user_id = %s),"
                    f" EXISTS(SELECT 1 FROM {Membership._meta.db_table} WHERE user_id = %s AND role = %s)",
                    [AGENTS_GROUP, self.pk, self.pk, self.pk, Role.OWNER.value],
                )
                cached = tuple(cursor.fetchone())
            self.__dict__["_access_cache"] = cached
        return cached


# --- Brands and their catalog ------------------------------------------------------------
class Brand(models.Model):
    name = models.CharField(max_length=120, unique=True)
    emergency_definition = models.TextField(
        blank=True, help_text="What this brand calls an emergency; shown to agents when routing calls."
    )
    # Health-care brands (home care): nothing about a lead or a caller leaves the portal (issue
    # #14, HIPAA guidance for answering services). notifications.outbox and the feed read it.
    phi_mode = models.BooleanField(
        "PHI mode",
        default=False,
        help_text="E-mails, texts and push notifications say only what kind of item is waiting and link to it "
        "(no names, bodies or notes); e-mail replies are off and the calendar feed shows no details. "
        "The portal shows everything after login.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Service(models.Model):
    """A service agents may sell for a brand; `book_anyway` = covered by Book Everything."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="services")
    name = models.CharField(max_length=120)
    book_anyway = models.BooleanField(
        default=False, help_text="Book even where the Location does not offer it (Book Everything policy)."
    )

    class Meta:
        ordering = ["brand", "name"]
        constraints = [
            models.UniqueConstraint(models.functions.Lower("name"), "brand", name="service_name_unique_per_brand")
        ]

    def __str__(self):
        return self.name


# --- Locations (the tenant) ----------------------------------------------------------------
def _validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not an IANA time zone (for example America/New_York).")


class LocationQuerySet(models.QuerySet):
    def visible_to(self, user) -> LocationQuerySet:
        from .scoping import sees_every_location, visible_location_ids

        if sees_every_location(user):  # no `id IN (SELECT id FROM location)` to build and run
            return self.all()
        return self.filter(id__in=visible_location_ids(user))

    def editable_by(self, user, roles=("owner",)) -> LocationQuerySet:
        from .scoping import location_ids_with_role

        return self.filter(id__in=location_ids_with_role(user, roles))


class Location(models.Model):
    class Plan(models.TextChoices):
        BUSINESS_HOURS = "business_hours", "Business hours"
        TWENTY_FOUR_SEVEN = "twenty_four_seven", "24/7"
        ANSWERING_ONLY = "answering_only", "Answering service only"

    class Billing(models.TextChoices):
        PER_APPOINTMENT = "per_appointment", "Per appointment"
        FLAT = "flat", "Flat fee"

    class MeetingType(models.TextChoices):
        OFFICE = "office", "At the office"
        PHONE = "phone", "By phone"
        CLIENT_HOME = "client_home", "At the client's home"
        VIDEO = "video", "Video call"

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="locations")
    name = models.CharField(max_length=150)
    address = models.CharField(max_length=250, blank=True, help_text="Where office meetings happen.")
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("state / province", max_length=50, blank=True)
    postal_code = models.CharField(max_length=10, blank=True)
    time_zone = models.CharField(max_length=64, default="America/New_York", validators=[_validate_time_zone])
    plan = models.CharField(max_length=20, choices=Plan.choices, default=Plan.BUSINESS_HOURS)
    billing = models.CharField(max_length=20, choices=Billing.choices, default=Billing.PER_APPOINTMENT)
    back_office = PhoneNumberField("back office number", blank=True)
    after_hours = PhoneNumberField("after-hours number", blank=True)
    mobile = PhoneNumberField("mobile number", blank=True)
    notification_emails = ArrayField(models.EmailField(), default=list, blank=True)
    sms_distribution_enabled = models.BooleanField(
        "SMS office messages", default=False, help_text="Send an SMS reminder of every e-mail to the list."
    )
    sms_distribution_list = ArrayField(PhoneNumberField(), default=list, blank=True)
    lead_sms_enabled = models.BooleanField("lead SMS", default=False)
    meeting_types = ArrayField(models.CharField(max_length=20, choices=MeetingType.choices), default=list, blank=True)
    services_offered = models.ManyToManyField(Service, blank=True, related_name="locations")
    # Calendar settings (used by calendars/): slot length, buffer and minimum notice.
    slot_minutes = models.PositiveSmallIntegerField(default=60)
    buffer_minutes = models.PositiveSmallIntegerField(default=0)
    minimum_notice_minutes = models.PositiveIntegerField(default=120)
    calendar_secret = models.CharField(max_length=64, default=secrets.token_urlsafe, unique=True)
    require_two_factor = models.BooleanField(
        "require two-factor sign-in",
        default=False,
        help_text="Everyone on this Location's team must sign in with a code from an authenticator app.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LocationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(plan__in=["business_hours", "twenty_four_seven", "answering_only"]),
                name="location_plan_valid",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def takes_bookings(self) -> bool:
        return self.plan != self.Plan.ANSWERING_ONLY

    def local_now(self):
        return timezone.now().astimezone(self.zone)

    def clean(self):
        if self.postal_code:
            self.postal_code = normalize_postal_code(self.postal_code)
        self.notification_emails = sorted({e.strip().lower() for e in self.notification_emails if e.strip()})
        self.check_recipient_caps()

    def check_recipient_caps(self) -> None:
        """Every notification goes to each address and distribution-list number, so both lists
        are capped per Location by a setting (#9 item 8: 3,000 addresses made one conflict
        queue 3,000 e-mails). Forms and admin reach this through clean(), services call it."""
        caps = (
            ("notification_emails", settings.LOCATION_MAX_NOTIFICATION_EMAILS, "notification e-mail addresses"),
            ("sms_distribution_list", settings.LOCATION_MAX_DISTRIBUTION_NUMBERS, "distribution-list numbers"),
        )
        errors = {}
        for field, cap, what in caps:
            count = len(set(getattr(self, field) or ()))
            if count > cap:
                errors[field] = f"At most {cap} {what} per Location; this list has {count}."
        if errors:
            raise ValidationError(errors)


class TenantQuerySet(models.QuerySet):
    """Rows that carry their Location: scoped by the user's visible Locations."""

    def visible_to(self, user):
        from .scoping import visible_location_ids

        return self.filter(location_id__in=visible_location_ids(user))

    def editable_by(self, user, roles=("owner", "manager")):
        from .scoping import location_ids_with_role

        return self.filter(location_id__in=location_ids_with_role(user, roles))


class LocationPhoneNumber(models.Model):
    """A number callers dial that rings at the call center for a Location."""

    class Purpose(models.TextChoices):
        MAIN = "main", "Main line"
        TRACKING = "tracking", "Tracking line"
        SMS = "sms", "Texting number"

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="phone_numbers")
    number = PhoneNumberField(unique=True)
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.MAIN)
    label = models.CharField(max_length=100, blank=True, help_text="e.g. the campaign a tracking line is on")
    sends_sms = models.BooleanField(default=False)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["location", "number"]

    def __str__(self):
        return f"{self.number} ({self.get_purpose_display()})"


class Area(models.Model):
    """A territory of a Location: a set of postal codes, each unique within the brand."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="areas")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="areas")
    name = models.CharField(max_length=120)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["brand", "name"]
        constraints = [models.UniqueConstraint(fields=["brand", "name"], name="area_name_unique_per_brand")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.location_id and self.brand_id and self.location.brand_id != self.brand_id:
            raise ValidationError({"location": "The Location belongs to another brand."})

    def save(self, *args, **kwargs):
        if self.location_id and not self.brand_id:
            self.brand_id = self.location.brand_id
        super().save(*args, **kwargs)


class AreaPostalCode(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="postal_codes")
    postal_code = models.CharField(max_length=10)

    class Meta:
        ordering = ["postal_code"]
        constraints = [models.UniqueConstraint(fields=["brand", "postal_code"], name="postal_code_unique_per_brand")]

    def __str__(self):
        return self.postal_code

    def clean(self):
        self.postal_code = normalize_postal_code(self.postal_code)
        if self.area_id:
            self.brand_id = self.area.brand_id
            taken = (
                AreaPostalCode.objects.filter(brand_id=self.brand_id, postal_code=self.postal_code)
                .exclude(pk=self.pk)
                .select_related("area")
                .first()
            )
            if taken:
                raise ValidationError({"postal_code": f"{self.postal_code} already belongs to area “{taken.area}”."})

    def save(self, *args, **kwargs):
        if self.area_id and not self.brand_id:
            self.brand_id = self.area.brand_id
        super().save(*args, **kwargs)


# --- Memberships -------------------------------------------------------------------------
class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    MANAGER = "manager", "Manager"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["location", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "location"], name="membership_unique")]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} of {self.location}"


class BrandMembership(models.Model):
    """Brand leadership: read-only over every Location of the brand."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="brand_memberships")
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="brand_memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "brand"], name="brand_membership_unique")]

    def __str__(self):
        return f"{self.user} — {self.brand}"


class Invitation(models.Model):
    """An owner's invitation of a team member; the e-mailed link is signed and expires."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} as {self.role} of {self.location}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None


# API tokens, idempotency keys and signed-in sessions live in accounts/credentials.py (sized by
# domain); imported here so Django registers them and `accounts.models.ApiToken` keeps working.
from .credentials import ApiToken, ApiTokenQuerySet, IdempotencyKey, UserSession, hash_token_key  # noqa: E402, F401
