"""Shared API pieces: JSON errors per field, strict input serializers, 409 for refused rules."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import Refused


class RuleRefused(exceptions.APIException):
    """A state change the domain rules refuse (a lead transition, a second answer): 409."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "This change is not allowed."
    default_code = "refused"


# Bounds every API input gets unless its field says tighter (issue #9 item 5): an integer fits
# PostgreSQL's integer column, a text field without a column length is at most TEXT_MAX.
INT_MAX = 2**31 - 1
TEXT_MAX = 5000


class StrictSerializer(serializers.Serializer):
    """Input serializer that answers 400 for unknown fields instead of ignoring them, and bounds
    every integer and text field (a value past a column's range is a 400, never a 500)."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            if isinstance(field, serializers.IntegerField):
                if field.max_value is None:
                    field.max_value = INT_MAX
                    field.validators.append(MaxValueValidator(INT_MAX, message=f"At most {INT_MAX}."))
                if field.min_value is None:
                    field.min_value = -INT_MAX - 1
                    field.validators.append(MinValueValidator(-INT_MAX - 1, message=f"At least {-INT_MAX - 1}."))
            elif isinstance(field, serializers.CharField) and field.max_length is None:
                field.max_length = TEXT_MAX
                field.validators.append(MaxLengthValidator(TEXT_MAX, message=f"At most {TEXT_MAX} characters."))
        return fields

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    elif isinstance(exc, Refused):
        exc = RuleRefused(str(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(response.data, list):
        response.data = {"detail": response.data}
    return Response(response.data, status=response.status_code, headers=response.headers)
