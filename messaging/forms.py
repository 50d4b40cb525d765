from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils import timezone

from pronexis.moments import PortalDateField

from .models import OfficeMessage

CALLER_SITUATIONS = [
    ("other", "Someone else"),
    ("lead", "A lead (new client)"),
    ("existing_customer", "An existing customer"),
    ("employee", "An employee"),
]


class InboxFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)
    category = forms.ChoiceField(
        label="Category", required=False, choices=[("", "All categories"), *OfficeMessage.Category.choices]
    )
    urgent = forms.BooleanField(label="Urgent only", required=False)
    unread = forms.BooleanField(label="Unread only", required=False)


class CallerFactsForm(forms.Form):
    """The caller's situation, as DESIGN.md's call-routing contract names it. Shared by the
    owners' /routing/ simulator and the agents' Location card."""

    caller_type = forms.ChoiceField(label="Who is calling", choices=CALLER_SITUATIONS)
    asks_for_by_name = forms.BooleanField(label="Asks for the owner or an employee by name", required=False)
    not_urgent = forms.BooleanField(label="The agent judges it not urgent", required=False)
    wants_message = forms.BooleanField(label="Asks to leave a message", required=False)
    emergency = forms.BooleanField(label="Emergency (as the brand defines it)", required=False)
    needed_within_24h = forms.BooleanField(label="Existing customer needs information within 24 hours", required=False)
    employee_scheduling = forms.BooleanField(label="Employee scheduling issue", required=False)
    spam = forms.BooleanField(label="Spam or telemarketer", required=False)

    FACTS = (
        "caller_type",
        "asks_for_by_name",
        "not_urgent",
        "wants_message",
        "emergency",
        "needed_within_24h",
        "employee_scheduling",
        "spam",
    )

    def caller_facts(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FACTS}


class RoutingForm(CallerFactsForm):
    location = forms.ModelChoiceField(queryset=None, label="Location", empty_label=None)
    day = PortalDateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label="Time (the Location's local time)", widget=forms.TimeInput(attrs={"type": "time"}))

    field_order = ["location", "day", "time"]

    def __init__(self, *args, locations, initial_location=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations
        if initial_location is not None:
            local = timezone.now().astimezone(initial_location.zone)
            self.initial.setdefault("location", initial_location.pk)
            self.initial.setdefault("day", local.date())
            self.initial.setdefault("time", local.strftime("%H:%M"))

    def local_datetime(self) -> datetime:
        """The chosen day and time in the Location's zone (DST-correct; a time skipped by the
        spring-forward change is read as the wall time after the change)."""
        location = self.cleaned_data["location"]
        naive = datetime.combine(self.cleaned_data["day"], self.cleaned_data["time"])
        aware = naive.replace(tzinfo=location.zone)
        return aware
