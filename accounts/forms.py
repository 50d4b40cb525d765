from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from .models import Location, Role
from .normalize import format_phone, normalize_login_identifier, normalize_phone


class LoginForm(AuthenticationForm):
    """Log-in authenticates the normalized identifier (the one axes counts failures against)."""

    def clean_username(self):
        return normalize_login_identifier(self.cleaned_data.get("username"))


class LoginPasswordResetForm(PasswordResetForm):
    def clean_email(self):
        return normalize_login_identifier(self.cleaned_data.get("email"))


class LinesField(forms.CharField):
    """One value per line (or comma-separated), each checked by `item_clean`."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, *args, item_clean, **kwargs):
        self.item_clean = item_clean
        super().__init__(*args, required=False, **kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, (list, tuple)) else value

    def clean(self, value):
        if isinstance(value, (list, tuple)):  # the field's own initial value posted back
            value = "\n".join(value)
        items = [part.strip() for line in (value or "").splitlines() for part in line.split(",") if part.strip()]
        cleaned, errors = [], []
        for item in items:
            try:
                cleaned.append(self.item_clean(item))
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return list(dict.fromkeys(cleaned))


def _clean_email(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError(f"“{value}” is not an e-mail address.")
    return value.lower()


# The zones of the Locations we serve first, then every IANA zone.
COMMON_TIME_ZONES = [
    ("America/New_York", "Eastern time — America/New_York"),
    ("America/Chicago", "Central time — America/Chicago"),
    ("America/Denver", "Mountain time — America/Denver"),
    ("America/Phoenix", "Arizona (no DST) — America/Phoenix"),
    ("America/Los_Angeles", "Pacific time — America/Los_Angeles"),
    ("America/Anchorage", "Alaska — America/Anchorage"),
    ("Pacific/Honolulu", "Hawaii — Pacific/Honolulu"),
    ("America/Halifax", "Atlantic time — America/Halifax"),
    ("America/Toronto", "Eastern time — America/Toronto"),
    ("America/Vancouver", "Pacific time — America/Vancouver"),
]


def _time_zone_choices():
    import zoneinfo

    common = {zone for zone, _ in COMMON_TIME_ZONES}
    others = sorted(zone for zone in zoneinfo.available_timezones() if zone not in common and "/" in zone)
    return [("Common", COMMON_TIME_ZONES), ("All time zones", [(zone, zone) for zone in others])]


class LocationSettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        choices=_time_zone_choices,
        error_messages={"invalid_choice": "“%(value)s” is not an IANA time zone (for example America/New_York)."},
    )
    notification_emails = LinesField(item_clean=_clean_email, help_text="One address per line.")
    sms_distribution_list = LinesField(item_clean=normalize_phone, help_text="One mobile number per line.")

    class Meta:
        model = Location
        fields = [
            "address",
            "city",
            "region",
            "postal_code",
            "time_zone",
            "back_office",
            "after_hours",
            "mobile",
            "notification_emails",
            "sms_distribution_enabled",
            "sms_distribution_list",
            "lead_sms_enabled",
            "require_two_factor",
        ]
        widgets = {
            name: forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})
            for name in ("back_office", "after_hours", "mobile")
        }

    PHONE_FIELDS = ("back_office", "after_hours", "mobile")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Shown as people read them, (212) 555-0123; saved in E.164 whatever the owner types.
        for name in self.PHONE_FIELDS:
            if self.initial.get(name):
                self.initial[name] = format_phone(self.initial[name])
        if self.initial.get("sms_distribution_list"):
            self.initial["sms_distribution_list"] = [format_phone(n) for n in self.initial["sms_distribution_list"]]

    def clean(self):
        cleaned = super().clean()
        # A list with a bad number already says so; "add at least one" would be wrong there.
        if (
            cleaned.get("sms_distribution_enabled")
            and not cleaned.get("sms_distribution_list")
            and "sms_distribution_list" not in self.errors
        ):
            self.add_error("sms_distribution_list", "Add at least one number to turn SMS office messages on.")
        return cleaned


class MobileForm(forms.Form):
    """The owner's own mobile (issue #11): urgent items nobody acknowledged are texted here."""

    mobile = forms.CharField(
        label="Your mobile for urgent escalations",
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        help_text=(
            "Urgent messages and same-day requests nobody said “Got it” to are texted here. Leave empty for none."
        ),
    )

    def clean_mobile(self):
        value = self.cleaned_data["mobile"].strip()
        return normalize_phone(value) if value else ""


class InvitationForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MANAGER)


class AcceptInvitationForm(SetPasswordForm):
    full_name = forms.CharField(max_length=150, required=False, label="Your name")
    field_order = ["full_name", "new_password1", "new_password2"]


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses this key, e.g. “Website contact form”.")
