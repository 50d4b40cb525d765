"""Admin forms with widgets that fit the domain (issue #17 "Widgets that fit the domain"):
a searchable IANA time zone, meeting types as labelled checkboxes, phone numbers normalised
with an error that says how to write one, e-mails and numbers one per line within the caps."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.text import capfirst

from .forms import COMMON_TIME_ZONES, LinesField, _clean_email
from .models import ApiToken, Location
from .normalize import format_phone, normalize_phone

PHONE_HELP = "Any way people write it, e.g. (212) 555-0100; + and the country code outside North America."


def _clean_phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except ValidationError:
        raise ValidationError(
            f"“{value}” is not a phone number: type the 10 digits, e.g. (212) 555-0100, "
            "or + and the country code for a number outside North America."
        )


class PhoneField(forms.CharField):
    """A phone number typed any way, saved in E.164 (+12125550100)."""

    widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "off"})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", PHONE_HELP)
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        return format_phone(value) if value and str(value).startswith("+") else value

    def clean(self, value):
        value = super().clean(value)
        return _clean_phone(value) if value else ""


class TimeZoneInput(forms.TextInput):
    """A text box with the IANA zones as suggestions (the browser filters them as one types):
    the common North American zones first, then every zone."""

    template_name = "admin/widgets/time_zone.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["list_id"] = f"{widget['attrs'].get('id', name)}_zones"
        widget["attrs"]["list"] = widget["list_id"]
        common = {zone for zone, _ in COMMON_TIME_ZONES}
        widget["zones"] = COMMON_TIME_ZONES + [
            (zone, zone) for zone in sorted(zoneinfo.available_timezones()) if "/" in zone and zone not in common
        ]
        return context


class TimeZoneField(forms.CharField):
    widget = TimeZoneInput(attrs={"autocomplete": "off", "spellcheck": "false"})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", "Type a city or region, e.g. New_York or Denver, and pick the zone.")
        super().__init__(*args, max_length=64, **kwargs)

    def clean(self, value):
        value = (super().clean(value) or "").strip()
        zones = {zone.lower(): zone for zone in zoneinfo.available_timezones()}
        # "America/New_York — Eastern time" from the suggestions, or a zone typed in any case
        candidate = value.split(" — ")[-1].strip().replace(" ", "_")
        if candidate.lower() in zones:
            return zones[candidate.lower()]
        matches = sorted(zone for key, zone in zones.items() if key.endswith("/" + candidate.lower()))
        if len(matches) == 1:
            return matches[0]
        raise ValidationError(f"“{value}” is not a time zone: pick one from the list, e.g. America/New_York.")


class LocationAdminForm(forms.ModelForm):
    time_zone = TimeZoneField(label="Time zone")
    meeting_types = forms.MultipleChoiceField(
        label="Meeting types offered",
        choices=Location.MeetingType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Where or how this Location meets clients.",
    )
    back_office = PhoneField(label="Back office number", required=False)
    after_hours = PhoneField(label="After-hours number", required=False)
    mobile = PhoneField(label="Mobile number", required=False)
    notification_emails = LinesField(
        item_clean=_clean_email,
        label="Notification e-mail addresses",
        help_text=f"One address per line, at most {settings.LOCATION_MAX_NOTIFICATION_EMAILS}.",
    )
    sms_distribution_list = LinesField(
        item_clean=_clean_phone,
        label="SMS distribution list",
        help_text=f"One mobile number per line, at most {settings.LOCATION_MAX_DISTRIBUTION_NUMBERS}.",
    )

    class Meta:
        model = Location
        fields = [
            "brand", "name", "is_active", "address", "city", "region", "postal_code", "time_zone", "plan",
            "billing", "meeting_types", "services_offered", "back_office", "after_hours", "mobile",
            "notification_emails", "sms_distribution_enabled", "sms_distribution_list", "lead_sms_enabled",
            "slot_minutes", "buffer_minutes", "minimum_notice_minutes", "require_two_factor",
        ]  # fmt: skip
        labels = {"services_offered": "Services offered", "is_active": "Active"}
        widgets = {"services_offered": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notification_emails"].widget.attrs["rows"] = 4
        self.fields["sms_distribution_list"].widget.attrs["rows"] = 4
        if self.initial.get("sms_distribution_list"):
            self.initial["sms_distribution_list"] = [format_phone(n) for n in self.initial["sms_distribution_list"]]
        services = self.fields.get("services_offered")
        if services is not None:
            # The brand's own catalog once the brand is known; the brand is named otherwise.
            queryset = services.queryset.select_related("brand")
            if self.instance.brand_id:
                queryset = queryset.filter(brand_id=self.instance.brand_id)
                services.label_from_instance = lambda service: service.name
            else:
                services.label_from_instance = lambda service: f"{service.name} ({service.brand})"
            services.queryset = queryset

    def clean(self):
        cleaned = super().clean()
        brand, services = cleaned.get("brand"), cleaned.get("services_offered")
        if brand and services:
            foreign = [service.name for service in services if service.brand_id != brand.pk]
            if foreign:
                self.add_error("services_offered", f"Not in {brand}'s catalog: {', '.join(foreign)}.")
        if cleaned.get("sms_distribution_enabled") and not cleaned.get("sms_distribution_list"):
            self.add_error("sms_distribution_list", "Add at least one number to turn SMS office messages on.")
        return cleaned


class ApiTokenAdminForm(forms.ModelForm):
    """Issuing a token: who, what for and its scope; the key is made by ApiToken.issue."""

    class Meta:
        model = ApiToken
        fields = ["name", "user", "scope", "brand"]
        labels = {"name": "What uses this key", "user": "Acts as user"}
        help_texts = {
            "name": "e.g. “Website contact form” — shown in the list and in the audit trail.",
            "brand": "Only for a brand token: the brand whose Locations it reaches.",
        }
        widgets = {"scope": forms.RadioSelect}


class LabelledTabularInline(admin.TabularInline):
    """A tabular inline whose inputs have accessible names: Django labels the columns in the
    table head only, so screen readers (and axe-core) find unlabelled inputs in every row."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class LabelledFormSet(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                row = "new row" if index is None else f"row {index + 1}"
                for name, field in form.fields.items():
                    label = "Delete" if name == "DELETE" else (field.label or name.replace("_", " "))
                    # A related field's widget is wrapped (the add / change links): name the select itself.
                    widget = getattr(field.widget, "widget", field.widget)
                    widget.attrs.setdefault("aria-label", f"{capfirst(label)}, {row}")

        return LabelledFormSet


def vertical_radios(*names: str) -> dict[str, int]:
    return dict.fromkeys(names, admin.VERTICAL)
