from django.core.exceptions import ValidationError
from django.db import models

from .normalize import normalize_phone


class PhoneNumberField(models.CharField):
    """A phone number stored in E.164; anything a person types is normalized on clean()."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        try:
            return normalize_phone(value)
        except ValidationError:
            raise ValidationError(f"“{value}” is not a valid phone number.", code="phone")
