from django import forms

from .selectors import KINDS


class ActivityFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "Everything"), *KINDS.items()], required=False, label="What")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        for name in ("since", "until"):
            day = cleaned.get(name)
            if day and not 2000 <= day.year <= 2100:
                self.add_error(name, "Pick a date between 2000 and 2100.")
        return cleaned
