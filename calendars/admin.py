"""Django admin of the calendars capability (call-center staff)."""

from django import forms
from django.contrib import admin

from accounts.models import Location

from . import credentials
from .models import Appointment, AvailabilityException, AvailabilityWindow, BookingPush, CalendarSource
from .selectors import insufficient_locations
from .sources import calendar_source_refresh


@admin.register(AvailabilityWindow)
class AvailabilityWindowAdmin(admin.ModelAdmin):
    list_display = ["location", "weekday", "start_time", "end_time", "meeting_types"]
    list_filter = ["weekday", "location__brand", "location"]
    search_fields = ["location__name"]
    autocomplete_fields = ["location"]


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(admin.ModelAdmin):
    list_display = ["location", "date", "kind", "start_time", "end_time", "note"]
    list_filter = ["kind", "location__brand", "location"]
    date_hierarchy = "date"
    search_fields = ["location__name", "note"]
    autocomplete_fields = ["location"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["start", "location", "lead", "meeting_type", "status", "forced", "created_at"]
    list_filter = ["status", "forced", "meeting_type", "location__brand", "location"]
    list_select_related = ["location", "lead"]
    date_hierarchy = "start"
    search_fields = ["lead__first_name", "lead__last_name", "lead__phone", "location__name"]
    raw_id_fields = ["lead", "conflict", "same_day_request", "booked_by"]
    readonly_fields = ["created_at", "updated_at", "cancelled_at", "reminder_sent_at"]


class CalendarSufficiencyFilter(admin.SimpleListFilter):
    """Per-appointment Locations with fewer bookable hours than CALENDAR_SUFFICIENT_HOURS in the
    next 14 days (DESIGN.md "Calendar sufficiency")."""

    title = "calendar sufficiency (next 14 days)"
    parameter_name = "calendar"

    def lookups(self, request, model_admin):
        return [("insufficient", "Insufficient availability"), ("sufficient", "Sufficient or not per appointment")]

    def queryset(self, request, queryset):
        if self.value() not in ("insufficient", "sufficient"):
            return queryset
        ids = [loc.pk for loc, _ in insufficient_locations(Location.objects.all())]
        return queryset.filter(pk__in=ids) if self.value() == "insufficient" else queryset.exclude(pk__in=ids)


def _add_sufficiency_filter() -> None:
    location_admin = admin.site._registry.get(Location)
    if location_admin is not None and CalendarSufficiencyFilter not in location_admin.list_filter:
        location_admin.list_filter = [*location_admin.list_filter, CalendarSufficiencyFilter]


_add_sufficiency_filter()


class CalendarSourceForm(forms.ModelForm):
    """The app password is write-only: typed to set or replace it, stored encrypted, never shown."""

    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="CalDAV app password: stored encrypted and never shown. Leave empty to keep the current one.",
    )

    class Meta:
        model = CalendarSource
        fields = ["location", "kind", "name", "url", "username", "push_bookings"]

    def save(self, commit=True):
        source = super().save(commit=False)
        if self.cleaned_data.get("password"):
            source.password_encrypted = credentials.encrypt(self.cleaned_data["password"])
        if commit:
            source.save()
        return source


class FailingSourceFilter(admin.SimpleListFilter):
    """Sources whose last refresh failed (last_error is cleared by the next success)."""

    title = "last refresh"
    parameter_name = "refresh"

    def lookups(self, request, model_admin):
        return [("failing", "Failing"), ("ok", "Working")]

    def queryset(self, request, queryset):
        if self.value() == "failing":
            return queryset.exclude(last_error="")
        if self.value() == "ok":
            return queryset.filter(last_error="")
        return queryset


@admin.register(CalendarSource)
class CalendarSourceAdmin(admin.ModelAdmin):
    """Owners' own calendars; the app password is stored encrypted and never shown."""

    form = CalendarSourceForm
    list_display = ["location", "kind", "name", "push_bookings", "last_success_at", "last_error"]
    list_filter = ["kind", "push_bookings", FailingSourceFilter, "location__brand"]
    list_select_related = ["location"]
    search_fields = ["location__name", "name", "url"]
    autocomplete_fields = ["location"]
    readonly_fields = [
        "password_set",
        "etag",
        "last_modified",
        "last_attempt_at",
        "last_success_at",
        "last_error",
        "created_at",
    ]
    actions = ["refresh_now"]

    @admin.display(boolean=True, description="app password stored")
    def password_set(self, source):
        return bool(source.password_encrypted)

    @admin.action(description="Refresh now")
    def refresh_now(self, request, queryset):
        failed = sum(not calendar_source_refresh(source=source) for source in queryset.select_related("location"))
        self.message_user(request, f"{queryset.count() - failed} refreshed, {failed} failed.")


@admin.register(BookingPush)
class BookingPushAdmin(admin.ModelAdmin):
    """The two-way sync queue (calendars.push): what is waiting to reach an owner's CalDAV calendar."""

    list_display = ["appointment", "source", "due_at", "attempts", "pushed_at", "last_error"]
    list_filter = ["source__location__brand"]
    list_select_related = ["source", "appointment"]
    raw_id_fields = ["appointment", "source", "location"]
    readonly_fields = [f.name for f in BookingPush._meta.fields]

    def has_add_permission(self, request):
        return False
