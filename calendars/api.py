"""REST API of the calendars capability (DESIGN.md "REST API"): slots, booking, cancelling."""

from __future__ import annotations

from datetime import UTC, timedelta

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from pydantic_core import SchemaSerializer, core_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, renderer_classes
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Location
from accounts.permissions import Action, require, require_call_center
from accounts.scoping import visible_location_or_404
from leads.models import Lead
from pronexis.api import StrictSerializer
from pronexis.idempotency import RETRY_RESPONSES, idempotent
from pronexis.moments import ApiDateTimeField, api_moment

from . import approvals, selectors, services
from .models import Appointment
from .slots import Slot

MAX_SLOT_RANGE_DAYS = 62


class SlotOut(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    meeting_type = serializers.CharField()
    needs_owner_approval = serializers.BooleanField()


class AppointmentOut(serializers.ModelSerializer):
    class Meta:
        model = Appointment
        fields = [
            "id",
            "location",
            "lead",
            "start",
            "end",
            "meeting_type",
            "address",
            "status",
            "forced",
            "conflict",
            "same_day_request",
            "cancelled_at",
            "cancel_reason",
            "created_at",
        ]


def _utc_iso(moment) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def slots_out(slots) -> list[dict]:
    """SlotOut's representation, written out: DRF's field-by-field serializer was a third of the
    60-day answer's time (issue #17); tests/calendars/test_api.py checks both agree. SlotsRenderer
    writes the same bytes faster and falls back to this. A slot's end is mostly the next one's
    start: each instant is written once."""
    written = {}

    def utc(moment) -> str:
        text = written.get(moment)
        if text is None:
            text = written[moment] = _utc_iso(moment)
        return text

    return [
        {
            "start": utc(slot.start),
            "end": utc(slot.end),
            "meeting_type": slot.meeting_type,
            "needs_owner_approval": slot.needs_owner_approval,
        }
        for slot in slots
    ]


# The slots answer compiled once into pydantic-core's serializer of `Slot` (datetimes written
# as DRF writes them in UTC: ISO 8601, "Z").
_SLOT_FIELDS = [
    core_schema.dataclass_field("start", core_schema.datetime_schema()),
    core_schema.dataclass_field("end", core_schema.datetime_schema()),
    core_schema.dataclass_field("meeting_type", core_schema.str_schema()),
    core_schema.dataclass_field("needs_owner_approval", core_schema.bool_schema()),
]
_SLOTS_JSON = SchemaSerializer(
    core_schema.list_schema(
        core_schema.dataclass_schema(
            Slot, core_schema.dataclass_args_schema("Slot", _SLOT_FIELDS), [f["name"] for f in _SLOT_FIELDS]
        )
    )
)


class SlotsRenderer(JSONRenderer):
    """JSONRenderer of `slots_out(slots)`, byte for byte, without building two dicts and two
    strings a slot and encoding them again: pydantic-core writes the `Slot`s (a sixth of the
    60-day answer's time, issue #17; tests/calendars/test_api.py compares the bytes). Errors,
    an indented answer asked for and instants not in UTC go JSONRenderer's own way."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if not isinstance(data, list):  # an error's details
            return super().render(data, accepted_media_type, renderer_context)
        in_utc = all(slot.start.tzinfo is UTC and slot.end.tzinfo is UTC for slot in data)
        if not in_utc or self.get_indent(accepted_media_type, renderer_context or {}):
            return super().render(slots_out(data), accepted_media_type, renderer_context)
        # JSONRenderer escapes these two (valid JSON, not valid JavaScript); pydantic-core does not.
        return _SLOTS_JSON.to_json(data).replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")


@extend_schema(
    parameters=[
        OpenApiParameter(
            "start", str, description="ISO date (local midnight) or date-time with its offset (default: now)"
        ),
        OpenApiParameter(
            "end",
            str,
            description=(
                "ISO date (local midnight) or date-time with its offset "
                f"(default: start + 14 days; at most {MAX_SLOT_RANGE_DAYS} days)"
            ),
        ),
        OpenApiParameter("meeting_type", str, description="one offered meeting type (default: every offered type)"),
    ],
    responses=SlotOut(many=True),
)
@api_view(["GET"])
@renderer_classes([SlotsRenderer])
def location_slots(request, location_id: int):
    """Free slots of a Location — queries: auth, location, role, windows, exceptions, bookings."""
    location = visible_location_or_404(request.user, location_id)
    require(request.user, Action.SEARCH_SLOTS, location)
    zone = location.zone
    start = api_moment(request.query_params, "start", zone=zone) or timezone.now()
    end = api_moment(request.query_params, "end", zone=zone) or start + timedelta(days=14)
    if end <= start:
        raise ValidationError({"end": ["The end must be after the start."]})
    if end - start > timedelta(days=MAX_SLOT_RANGE_DAYS):
        raise ValidationError({"end": [f"The range is at most {MAX_SLOT_RANGE_DAYS} days; ask for a shorter one."]})
    meeting_type = request.query_params.get("meeting_type") or None
    if meeting_type and meeting_type not in location.meeting_types:
        offered = ", ".join(location.meeting_types) or "none"
        raise ValidationError({"meeting_type": [f"This Location offers: {offered}."]})
    slots = selectors.slots_for_location(location=location, start=start, end=end, meeting_type=meeting_type)
    return Response(slots)  # SlotsRenderer writes them


class BookIn(StrictSerializer):
    lead = serializers.IntegerField()
    start = ApiDateTimeField()
    end = ApiDateTimeField()
    meeting_type = serializers.ChoiceField(choices=Location.MeetingType.choices)
    address = serializers.CharField(required=False, allow_blank=True, max_length=250, default="")
    force = serializers.BooleanField(required=False, default=False)
    conflict = serializers.IntegerField(required=False, allow_null=True, default=None)
    same_day_request = serializers.IntegerField(required=False, allow_null=True, default=None)
    call_at = ApiDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The lead's call the 24-hour rule counts from (default now): not before the lead, not in the "
        "future, and when older than 15 minutes within 15 minutes of a call record of the lead's phone.",
    )


class AppointmentCreatedOut(AppointmentOut):
    """The booked appointment plus the request's own `force` and `call_at`, echoed: DESIGN.md
    "REST API" — a create answers with the fields sent."""

    force = serializers.BooleanField(read_only=True, help_text="As sent: the agent asked for a forced booking.")
    call_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="As sent: the time of the call the 24-hour rule counted from."
    )

    class Meta(AppointmentOut.Meta):
        fields = [*AppointmentOut.Meta.fields, "force", "call_at"]


class AppointmentCreate(APIView):
    @extend_schema(request=BookIn, responses={201: AppointmentCreatedOut, **RETRY_RESPONSES})
    @idempotent
    def post(self, request):
        """Agents book (201); 400 outside availability without an approved conflict; 409 on overlap
        or a same-day start without an approved same-day request."""
        require_call_center(request.user, "Only call-center agents book appointments.")
        data = BookIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        lead = get_object_or_404(Lead.objects.visible_to(request.user).select_related("location"), pk=values["lead"])
        conflict = same_day_request = None
        if values["conflict"] is not None:
            conflict = approvals.conflict_visible(request.user, values["conflict"])
            if conflict is None:
                raise ValidationError({"conflict": ["No such conflict."]})
        if values["same_day_request"] is not None:
            same_day_request = approvals.same_day_visible(request.user, values["same_day_request"])
            if same_day_request is None:
                raise ValidationError({"same_day_request": ["No such same-day request."]})
        appointment = services.appointment_book(
            lead=lead,
            start=values["start"],
            end=values["end"],
            meeting_type=values["meeting_type"],
            address=values["address"],
            booked_by=request.user,
            force=values["force"],
            conflict=conflict,
            same_day_request=same_day_request,
            call_at=values["call_at"],
        )
        appointment.force, appointment.call_at = values["force"], values["call_at"]
        return Response(AppointmentCreatedOut(appointment).data, status=status.HTTP_201_CREATED)


class CancelIn(StrictSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=250, default="")


@extend_schema(request=CancelIn, responses={200: AppointmentOut})
@api_view(["POST"])
def appointment_cancel(request, appointment_id: int):
    """Agents, owners and managers cancel a booked appointment (409 when it is not booked)."""
    appointment = get_object_or_404(
        Appointment.objects.visible_to(request.user).select_related("location", "lead"), pk=appointment_id
    )
    require(request.user, Action.CANCEL_APPOINTMENT, appointment.location)  # 403 before the input is read
    data = CancelIn(data=request.data)
    data.is_valid(raise_exception=True)
    services.appointment_cancel(appointment=appointment, actor=request.user, reason=data.validated_data["reason"])
    return Response(AppointmentOut(appointment).data)
