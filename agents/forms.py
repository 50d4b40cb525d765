"""Forms of the agent console. Times are typed in the Location's local time (shown with its zone)
and become aware datetimes in that zone; the services receive them and apply the rules."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Brand, Location
from accounts.normalize import normalize_phone, normalize_postal_code
from conflicts.models import Callback, Conflict, SameDayRequest
from leads.models import CallTask
from messaging.forms import CallerFactsForm
from messaging.models import OfficeMessage
from pronexis.moments import LocalDateTimeField, PortalDateField

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
MEETING_TYPES = Location.MeetingType.choices


def local_input(value: dt.datetime, location: Location) -> str:
    """An aware datetime as a datetime-local input value in the Location's zone."""
    return value.astimezone(location.zone).strftime(LOCAL_FORMAT)


class ServiceErrorsForm(forms.Form):
    """A workspace form a service may refuse with a ValidationError (agents.views.actions._run)."""

    def add_service_errors(self, error: ValidationError) -> None:
        """A service's ValidationError on this form: per field where the names match."""
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


class LocationForm(ServiceErrorsForm):
    """A form whose local times are the Location's: validation runs in its zone, so a local time
    that does not exist or is ambiguous (DST) is an error on the field, never a guess."""

    id_prefix = "id"  # several forms share the lead workspace: distinct element ids

    def __init__(self, *args, location: Location, **kwargs):
        self.location = location
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)

    def full_clean(self):
        with timezone.override(self.location.zone):
            super().full_clean()


# --- finding the Location ------------------------------------------------------------------
class LocationSearchForm(forms.Form):
    q = forms.CharField(
        label="Number called, postal code or name",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autofocus": True, "autocomplete": "off", "data-finder": True}),
    )
    brand = forms.ModelChoiceField(queryset=Brand.objects.none(), required=False, empty_label="Any brand")

    def __init__(self, *args, brands, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = brands


class CallFactsForm(LocationForm, CallerFactsForm):
    """The caller's situation as the agent ticks it, and when (default now)."""

    at = LocalDateTimeField(label="At (the Location's local time)")

    field_order = ["at"]

    def __init__(self, *args, now: dt.datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["at"].initial = local_input(now, self.location)
        self.fields["caller_type"].initial = "lead"


# --- leads ---------------------------------------------------------------------------------
class LeadForm(LocationForm):
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    phone = forms.CharField(
        max_length=30, required=False, widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"})
    )
    email = forms.EmailField(required=False)
    address = forms.CharField(label="Service address", max_length=250, required=False)
    postal_code = forms.CharField(max_length=12, required=False)
    service = forms.ChoiceField(required=False)
    notes = forms.CharField(required=False, max_length=5000)
    create_anyway = forms.BooleanField(
        label="Create it anyway (it will be recorded as a duplicate)", required=False, widget=forms.CheckboxInput
    )

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", "—")] + [(s.name, s.name) for s in services]

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        return normalize_phone(value) if value else ""

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_postal_code(self):
        value = self.cleaned_data["postal_code"].strip()
        return normalize_postal_code(value) if value else ""

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("phone") and not data.get("email"):
            raise ValidationError("A phone number or an e-mail address is required.")
        return data


class LeadStatusForm(forms.Form):
    status = forms.CharField(max_length=24)
    reason = forms.CharField(max_length=200, required=False)
    note = forms.CharField(max_length=1000, required=False)


# --- calendars and conflicts ----------------------------------------------------------------
class SlotSearchForm(LocationForm):
    id_prefix = "slots"
    slot_from = PortalDateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    slot_days = forms.IntegerField(label="Days", min_value=1, max_value=14, initial=7)
    slot_type = forms.ChoiceField(label="Meeting type", required=False)

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot_from"].initial = today
        self.fields["slot_type"].choices = [
            (value, label) for value, label in MEETING_TYPES if value in self.location.meeting_types
        ]

    def range(self) -> tuple[dt.datetime, dt.datetime]:
        first = self.cleaned_data["slot_from"]
        start = dt.datetime.combine(first, dt.time(0), tzinfo=self.location.zone)
        end = dt.datetime.combine(
            first + dt.timedelta(days=self.cleaned_data["slot_days"]), dt.time(0), tzinfo=self.location.zone
        )
        return start, end


def _offered_types(location: Location):
    return [(value, label) for value, label in MEETING_TYPES if value in location.meeting_types]


class BookForm(LocationForm):
    id_prefix = "book"
    start = LocalDateTimeField(label="Start (local time)")
    minutes = forms.IntegerField(label="Length (minutes)", min_value=5, max_value=24 * 60)
    meeting_type = forms.ChoiceField(label="Meeting type")
    address = forms.CharField(
        label="Address (blank: the office or the client's address)", max_length=250, required=False
    )
    approval = forms.ChoiceField(
        label="Owner's approval (for a time outside availability or within 24 h)", required=False
    )

    def __init__(self, *args, approvals: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["minutes"].initial = self.location.slot_minutes
        # Plus a meeting place the owner agreed to in a location conflict (seed 004), even one
        # the Location does not offer.
        agreed = {
            getattr(obj, "alternate_meeting_type", "") or getattr(obj, "requested_meeting_type", "")
            for _key, obj, _label in approvals
            if isinstance(obj, Conflict)
        }
        self.fields["meeting_type"].choices = [
            (value, label) for value, label in MEETING_TYPES if value in self.location.meeting_types or value in agreed
        ]
        self.approvals = {key: obj for key, obj, _label in approvals}
        self.fields["approval"].choices = [("", "None: a time inside availability")] + [
            (key, label) for key, _obj, label in approvals
        ]

    def booking(self) -> dict:
        data = self.cleaned_data
        approval = self.approvals.get(data.get("approval") or "")
        return {
            "start": data["start"],
            "end": data["start"] + dt.timedelta(minutes=data["minutes"]),
            "meeting_type": data["meeting_type"],
            "address": data.get("address") or "",
            "force": isinstance(approval, Conflict),
            "conflict": approval if isinstance(approval, Conflict) else None,
            "same_day_request": approval if isinstance(approval, SameDayRequest) else None,
        }


class ConflictForm(LocationForm):
    id_prefix = "conflict"
    kind = forms.ChoiceField(label="Conflict", choices=Conflict.Kind.choices)
    requested_start = LocalDateTimeField(label="Requested start (local time)")
    minutes = forms.IntegerField(label="Length (minutes)", min_value=5, max_value=24 * 60)
    requested_meeting_type = forms.ChoiceField(label="Requested meeting type", choices=MEETING_TYPES)
    requested_address = forms.CharField(label="Requested address", max_length=250, required=False)
    caller_notes = forms.CharField(
        label="Notes for the owner", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["minutes"].initial = self.location.slot_minutes
        # Offer a conflict only where one can exist (seed 004): a location conflict needs a
        # meeting type the Location does not offer; a schedule conflict a time that is not a
        # free slot (conflicts' conflict_check_applies refuses the rest, with what to do instead).
        not_offered = [label for value, label in MEETING_TYPES if value not in self.location.meeting_types]
        if not not_offered:
            self.fields["kind"].choices = [(Conflict.Kind.SCHEDULE, Conflict.Kind.SCHEDULE.label)]
        self.fields["kind"].help_text = (
            "Schedule: a time outside availability or already booked (a free slot is booked instead)."
            + (
                f" Location: a meeting type {self.location.name} does not offer ({', '.join(not_offered)})."
                if not_offered
                else ""
            )
        )

    def conflict(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "requested_start": data["requested_start"],
            "requested_end": data["requested_start"] + dt.timedelta(minutes=data["minutes"]),
            "requested_meeting_type": data["requested_meeting_type"],
            "requested_address": data.get("requested_address") or "",
            "caller_notes": data.get("caller_notes") or "",
        }


class SameDayForm(LocationForm):
    id_prefix = "same_day"
    same_day_start = LocalDateTimeField(label="Requested start (local time, within 24 h)")
    minutes = forms.IntegerField(label="Length (minutes)", min_value=5, max_value=24 * 60)
    meeting_type = forms.ChoiceField(label="Meeting type")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["minutes"].initial = self.location.slot_minutes
        self.fields["meeting_type"].choices = _offered_types(self.location)

    def request(self) -> dict:
        data = self.cleaned_data
        start = data["same_day_start"]
        return {
            "requested_start": start,
            "requested_end": start + dt.timedelta(minutes=data["minutes"]),
            "requested_meeting_type": data["meeting_type"],
        }


class SameDayAnswerForm(forms.Form):
    decision = forms.ChoiceField(label="The owner's answer", choices=SameDayRequest.Decision.choices)
    notes = forms.CharField(label="Owner's notes", required=False, max_length=2000)


# --- messaging -------------------------------------------------------------------------------
class SmsForm(ServiceErrorsForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "sms_%s")
        super().__init__(*args, **kwargs)

    body = forms.CharField(label="Text to the lead", max_length=1600, widget=forms.Textarea(attrs={"rows": 2}))


class NoTextsForm(ServiceErrorsForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "notexts_%s")
        super().__init__(*args, **kwargs)

    note = forms.CharField(
        label="What the caller said",
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class OfficeMessageForm(forms.Form):
    caller_name = forms.CharField(max_length=150)
    callback_number = forms.CharField(
        max_length=30, widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"})
    )
    category = forms.ChoiceField(choices=OfficeMessage.Category.choices)
    urgent = forms.BooleanField(required=False)
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    lead = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "message_%s")
        super().__init__(*args, **kwargs)

    def clean_callback_number(self):
        return normalize_phone(self.cleaned_data["callback_number"])

    @classmethod
    def about(cls, lead, data=None) -> OfficeMessageForm:
        """A message about a lead starts from the lead's name and number."""
        initial = (
            {"lead": lead.pk, "caller_name": lead.full_name, "callback_number": lead.phone, "category": "lead"}
            if lead is not None
            else {}
        )
        return cls(data, initial=initial)

    def message(self) -> dict:
        fields = ("caller_name", "callback_number", "category", "urgent", "body")
        return {name: self.cleaned_data[name] for name in fields}


# --- queues ------------------------------------------------------------------------------------
class CallbackCloseForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome")
    notes = forms.CharField(label="Notes", required=False, max_length=2000)

    def __init__(self, *args, outcomes, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Callback.Outcome.choices)
        # No default: the agent chooses what happened on the call (a preselected "Booked" was
        # recorded by mistake).
        self.fields["outcome"].choices = [("", "Choose the outcome…")] + [
            (value, labels.get(value, value)) for value in outcomes
        ]


class CallOutcomeForm(LocationForm):
    outcome = forms.ChoiceField(label="Outcome", choices=[("", "Choose the outcome…"), *CallTask.Outcome.choices])
    callback_at = LocalDateTimeField(label="Call back at (local time)", required=False)
