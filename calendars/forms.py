"""Forms of the calendar tab: availability windows and exceptions, slot settings, reschedule."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from accounts.models import Location
from pronexis.moments import LocalDateTimeField, PortalDateField

from .models import AvailabilityException, AvailabilityWindow, CalendarSource


def _meeting_type_choices(location: Location):
    labels = dict(Location.MeetingType.choices)
    return [(t, labels.get(t, t)) for t in location.meeting_types]


class WindowForm(forms.Form):
    weekday = forms.TypedChoiceField(choices=AvailabilityWindow.Weekday.choices, coerce=int, label="Day")
    start_time = forms.TimeField(label="From", widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(
        label="To", widget=forms.TimeInput(attrs={"type": "time"}), help_text="00:00 means midnight."
    )
    meeting_types = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, label="Meeting types")

    def __init__(self, *args, location: Location, **kwargs):
        super().__init__(*args, prefix="window", **kwargs)
        self.fields["meeting_types"].choices = _meeting_type_choices(location)
        self.fields["meeting_types"].initial = list(location.meeting_types)


class ExceptionForm(forms.Form):
    date = PortalDateField(widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(choices=AvailabilityException.Kind.choices)
    start_time = forms.TimeField(
        label="From", required=False, widget=forms.TimeInput(attrs={"type": "time"}), help_text="Empty: all day."
    )
    end_time = forms.TimeField(label="To", required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    meeting_types = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Meeting types (extra hours)",
        help_text="None ticked: every type you offer.",
    )
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, location: Location, **kwargs):
        super().__init__(*args, prefix="exception", **kwargs)
        self.fields["meeting_types"].choices = _meeting_type_choices(location)


class SlotSettingsForm(forms.ModelForm):
    class Meta:
        model = Location
        fields = ["slot_minutes", "buffer_minutes", "minimum_notice_minutes"]
        labels = {
            "slot_minutes": "Appointment length (minutes)",
            "buffer_minutes": "Buffer between appointments (minutes)",
            "minimum_notice_minutes": "Minimum notice (minutes)",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="slots", **kwargs)
        self.fields["slot_minutes"].validators += [MinValueValidator(5), MaxValueValidator(24 * 60)]
        self.fields["buffer_minutes"].validators.append(MaxValueValidator(240))
        self.fields["minimum_notice_minutes"].validators.append(MaxValueValidator(14 * 24 * 60))


class RescheduleForm(forms.Form):
    start = LocalDateTimeField(label="New start (local time)")

    def local_start(self, zone) -> datetime:
        """The browser sends local wall-clock time: read it in the Location's zone."""
        value = self.cleaned_data["start"]
        return value.replace(tzinfo=None).replace(tzinfo=zone)


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=250, required=False, label="Reason (optional)")


class CalendarSourceForm(forms.Form):
    """An owner's own calendar; the service reads it at once and says what is wrong with it."""

    kind = forms.ChoiceField(
        choices=CalendarSource.Kind.choices, widget=forms.RadioSelect, initial="ics", label="Kind of calendar"
    )
    url = forms.CharField(
        max_length=500,
        label="Address",
        help_text="ICS: the secret address in iCal format (https:// or webcal://). CalDAV: the calendar's URL.",
    )
    name = forms.CharField(max_length=100, required=False, label="Name (optional)")
    username = forms.CharField(max_length=200, required=False, label="User name (CalDAV)")
    password = forms.CharField(
        max_length=200,
        required=False,
        strip=False,
        label="App password (CalDAV)",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted and never shown again.",
    )
    push_bookings = forms.BooleanField(required=False, label="Put bookings here (CalDAV only)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="source", **kwargs)
