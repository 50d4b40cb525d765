"""Availability (weekly windows, date exceptions) and appointments (DESIGN.md "Calendars").

No two `booked` appointments of a Location overlap, forced or not: a PostgreSQL exclusion
constraint (btree_gist; `location WITH =`, `tstzrange(start, "end") WITH &&`) backs the check
`calendars.services.appointment_book` makes under a lock on the Location row.

A **hold** is an Appointment row with status `held`: the interval a pending conflict or same-day
request asks for (or the owner's alternate), kept free until the request is answered and its
callback closed, or until `hold_expires_at` (`calendars.holds`). It sits inside the same
exclusion constraint as booked appointments, so no code path can book over it; booking the held
time for the held lead turns the same row into the booking.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeOperators
from django.contrib.postgres.indexes import GistIndex
from django.db import models
from django.db.models import Func, Q
from django.utils import timezone

from accounts.models import Location, TenantQuerySet

MEETING_TYPES = Location.MeetingType.choices


class TsTzRange(Func):
    """`tstzrange(start, end, '[)')`: half-open, so back-to-back appointments do not overlap."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()

    def __init__(self, start, end, bounds="[)", **extra):
        super().__init__(start, end, models.Value(bounds), **extra)


class AvailabilityWindow(models.Model):
    """A weekly window in the Location's local time; `end_time` 00:00 means midnight (24:00)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="availability_windows")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField(help_text="00:00 means midnight (end of the day).")
    meeting_types = ArrayField(models.CharField(max_length=20, choices=MEETING_TYPES), default=list)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["location", "weekday", "start_time"]
        indexes = [models.Index(fields=["location", "weekday"], name="availability_loc_weekday")]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="availability_weekday_valid"),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")) | Q(end_time="00:00"),
                name="availability_window_order",
            ),
        ]

    def __str__(self):
        end = "24:00" if self.end_time.hour == 0 and self.end_time.minute == 0 else f"{self.end_time:%H:%M}"
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{end}"


class AvailabilityException(models.Model):
    """Time off or extra hours on one local date; no times = the whole day."""

    class Kind(models.TextChoices):
        TIME_OFF = "time_off", "Time off"
        EXTRA_HOURS = "extra_hours", "Extra hours"

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="availability_exceptions")
    date = models.DateField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True, help_text="00:00 means midnight (end of the day).")
    meeting_types = ArrayField(models.CharField(max_length=20, choices=MEETING_TYPES), default=list, blank=True)
    note = models.CharField(max_length=200, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["location", "date", "start_time"]
        indexes = [models.Index(fields=["location", "date"], name="availability_exc_loc_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["time_off", "extra_hours"]), name="availability_exception_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(start_time__isnull=True, end_time__isnull=True)
                | Q(start_time__isnull=False, end_time__isnull=False),
                name="availability_exception_times_together",
            ),
        ]

    def __str__(self):
        when = "all day" if self.start_time is None else f"{self.start_time:%H:%M}–{self.end_time:%H:%M}"
        return f"{self.get_kind_display()} {self.date} {when}"


class AppointmentQuerySet(TenantQuerySet):
    def booked(self):
        return self.filter(status=Appointment.Status.BOOKED)

    def appointments(self):
        """Real appointments: every status but `held` (a hold is a reserved time, not a booking)."""
        return self.exclude(status=Appointment.Status.HELD)


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        COMPLETED = "completed", "Completed"
        NO_SHOW = "no_show", "No-show"
        CANCELLED = "cancelled", "Cancelled"
        HELD = "held", "Held (tentative)"

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="appointments")
    lead = models.ForeignKey("leads.Lead", on_delete=models.PROTECT, related_name="appointments")
    start = models.DateTimeField()
    end = models.DateTimeField()
    meeting_type = models.CharField(max_length=20, choices=MEETING_TYPES)
    address = models.CharField(max_length=250, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    forced = models.BooleanField(default=False, help_text="Booked outside availability with the owner's approval.")
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    conflict = models.ForeignKey(
        "conflicts.Conflict", on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    same_day_request = models.ForeignKey(
        "conflicts.SameDayRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=250, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    hold_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="A hold (status held) is released at this moment if still unanswered."
    )
    created_at = models.DateTimeField(default=timezone.now, help_text="The booking time (billing month).")
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            # Calendar week/month views and slot search: one Location, a time range.
            models.Index(fields=["location", "start"], name="appointment_loc_start"),
            # What touches a week: `tstzrange(start, end) && week` reads only that week, where
            # `start < week end AND end > week start` read a Location's whole history (issue #17).
            GistIndex(models.F("location"), TsTzRange("start", "end"), name="appointment_loc_span"),
            # Monthly count: one Location, booking time in a month.
            models.Index(fields=["location", "created_at"], name="appointment_loc_created"),
            # Reminders: booked appointments starting soon, not yet reminded.
            models.Index(
                fields=["start"], condition=Q(status="booked", reminder_sent_at__isnull=True), name="appointment_remind"
            ),
            models.Index(fields=["lead", "start"], name="appointment_lead_start"),
            # The beat releasing expired holds.
            models.Index(fields=["hold_expires_at"], condition=Q(status="held"), name="appointment_hold_expiry"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="appointment_order"),
            models.CheckConstraint(
                condition=Q(status__in=["booked", "completed", "no_show", "cancelled", "held"]),
                name="appointment_status_valid",
            ),
            # A hold belongs to exactly one pending request and has an expiry; one hold per request.
            models.CheckConstraint(
                condition=~Q(status="held")
                | (Q(hold_expires_at__isnull=False) & (Q(conflict__isnull=False) | Q(same_day_request__isnull=False))),
                name="appointment_hold_has_request",
            ),
            models.UniqueConstraint(
                fields=["conflict"], condition=Q(status="held"), name="appointment_one_hold_per_conflict"
            ),
            models.UniqueConstraint(
                fields=["same_day_request"], condition=Q(status="held"), name="appointment_one_hold_per_same_day"
            ),
            ExclusionConstraint(
                name="appointment_no_overlap",
                expressions=[
                    ("location", RangeOperators.EQUAL),
                    (TsTzRange("start", "end"), RangeOperators.OVERLAPS),
                ],
                # Holds too: a held time cannot be booked over by any code path.
                condition=Q(status__in=["booked", "held"]),
                violation_error_message="Another appointment is already booked or held at that time.",
            ),
        ]

    def __str__(self):
        return f"{self.get_meeting_type_display()} {self.start:%Y-%m-%d %H:%M} UTC — {self.lead}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("appointment_detail", args=[self.pk])

    @property
    def is_booked(self) -> bool:
        return self.status == self.Status.BOOKED

    @property
    def is_held(self) -> bool:
        return self.status == self.Status.HELD

    @property
    def hold_request_url(self) -> str:
        """The page of the conflict or same-day request a hold belongs to."""
        request = self.conflict if self.conflict_id else self.same_day_request
        return request.get_absolute_url() if request is not None else self.get_absolute_url()


class CalendarSourceQuerySet(TenantQuerySet):
    def due(self, *, before):
        """Sources not tried since `before` (the beat refreshes each every REFRESH_MINUTES)."""
        return self.filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=before))


class CalendarSource(models.Model):
    """An owner's own calendar whose events are busy time for slot search (DESIGN.md "Calendar
    truth"): an ICS address (Google's secret iCal address, Outlook's published calendar, any
    webcal://) or a CalDAV calendar with a user name and an app password, kept encrypted
    (`calendars.credentials`) and never shown again. `push_bookings` ("put bookings here", CalDAV
    only) receives each booking as an event."""

    class Kind(models.TextChoices):
        ICS = "ics", "ICS address"
        CALDAV = "caldav", "CalDAV calendar"

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="calendar_sources")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    name = models.CharField(max_length=100, blank=True)
    url = models.CharField(max_length=500, help_text="https:// or webcal:// address.")
    username = models.CharField(max_length=200, blank=True)
    password_encrypted = models.TextField(blank=True, editable=False)
    push_bookings = models.BooleanField(default=False, help_text="Put bookings here (CalDAV only).")
    # Conditional GET of an ICS address: what the server sent last time.
    etag = models.CharField(max_length=200, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    last_attempt_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(max_length=500, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = CalendarSourceQuerySet.as_manager()

    class Meta:
        ordering = ["location", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["ics", "caldav"]), name="calendar_source_kind_valid"),
            models.CheckConstraint(
                condition=Q(push_bookings=False) | Q(kind="caldav"), name="calendar_source_push_caldav_only"
            ),
        ]

    def __str__(self):
        return self.name or f"{self.get_kind_display()} {self.host}"

    @property
    def host(self) -> str:
        from urllib.parse import urlsplit

        return urlsplit(self.url).hostname or self.url

    @property
    def is_failing(self) -> bool:
        return bool(self.last_error)


class BusyBlock(models.Model):
    """A busy interval of a Location read from one of its calendar sources — no title is kept."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="busy_blocks")
    source = models.ForeignKey(CalendarSource, on_delete=models.CASCADE, related_name="busy_blocks")
    start = models.DateTimeField()
    end = models.DateTimeField()

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["location", "start"], name="busy_block_loc_start")]
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="busy_block_order")]

    def __str__(self):
        return f"busy {self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M} UTC"


class BookingPush(models.Model):
    """One appointment to put into (or remove from) one "put bookings here" CalDAV source: the
    reliable queue of the two-way sync (`calendars.push`). Due while `due_at` is set; claimed
    with a conditional UPDATE of `claimed_until` (a lease); `version` moves on every change, so a
    change made during a push is pushed again."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(CalendarSource, on_delete=models.CASCADE, related_name="pushes")
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="pushes")
    version = models.PositiveIntegerField(default=1)
    due_at = models.DateTimeField(null=True, blank=True, help_text="Empty: the calendar has the current state.")
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    pushed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "appointment"], name="booking_push_once_per_source"),
        ]
        indexes = [models.Index(fields=["due_at"], condition=Q(due_at__isnull=False), name="booking_push_due")]

    def __str__(self):
        return f"appointment #{self.appointment_id} → {self.source}"


class AppointmentDayVersion(models.Model):
    """A Location's appointments starting on one UTC day, as a number that changes with them: the
    calendar week caches a day of cards under the versions of the UTC days its local day spans
    (`calendars.cards.day_key`). Written only by PostgreSQL triggers (migration 0006), on every
    insert, delete and change of what a card shows — an appointment's times, status, type, lead,
    or its lead's name and contact — whatever wrote it (a service, a queryset update, admin, a
    shell): reading the busiest owner's week is then a few of these rows, not a digest of 1,800
    appointments and their leads (issue #17). The numbers come from one sequence and are never
    reused, so a flushed or restored table cannot bring an old day back from the cache."""

    pk = models.CompositePrimaryKey("location", "day")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField(help_text="The UTC day the appointments start on.")
    version = models.BigIntegerField()

    def __str__(self):
        return f"{self.location_id} {self.day}: {self.version}"
