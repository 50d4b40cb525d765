"""Messaging API (agents): office messages, a lead's SMS thread, the call routing decision."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Location
from accounts.normalize import normalize_phone
from accounts.permissions import is_call_center
from leads.models import Lead
from pronexis.api import StrictSerializer
from pronexis.idempotency import RETRY_RESPONSES, idempotent
from pronexis.moments import ApiDateTimeField

from . import selectors, services
from .models import OfficeMessage
from .routing import CALLER_TYPES, NaiveTimeRefused, route_call_for_location


class IsAgent(BasePermission):
    """Agents (Agents group or an agent token) and staff; portal users get 403 before any lookup."""

    message = "Only call-center agents may do this."

    def has_permission(self, request, view):
        return is_call_center(request.user)


class AgentAPIView(APIView):
    permission_classes = [IsAuthenticated, IsAgent]


def _visible_location(request, pk) -> Location:
    return get_object_or_404(Location.objects.visible_to(request.user), pk=pk)


# --- office messages ----------------------------------------------------------------------
class OfficeMessageOut(serializers.ModelSerializer):
    class Meta:
        model = OfficeMessage
        fields = [
            "id",
            "location",
            "lead",
            "caller_name",
            "callback_number",
            "category",
            "urgent",
            "body",
            "taken_by",
            "created_at",
        ]


class OfficeMessageIn(StrictSerializer):
    location = serializers.IntegerField()
    lead = serializers.IntegerField(required=False, allow_null=True)
    caller_name = serializers.CharField(max_length=150)
    callback_number = serializers.CharField(max_length=32)
    category = serializers.ChoiceField(choices=OfficeMessage.Category.choices)
    urgent = serializers.BooleanField(default=False)
    body = serializers.CharField()

    def validate_callback_number(self, value):
        return normalize_phone(value)


class OfficeMessageCreate(AgentAPIView):
    @extend_schema(request=OfficeMessageIn, responses={201: OfficeMessageOut, **RETRY_RESPONSES})
    @idempotent
    def post(self, request):
        data = OfficeMessageIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        location = _visible_location(request, values.pop("location"))
        lead_id = values.pop("lead", None)
        lead = None
        if lead_id:
            lead = get_object_or_404(Lead.objects.visible_to(request.user), pk=lead_id)
        message = services.office_message_create(location=location, lead=lead, actor=request.user, **values)
        return Response(OfficeMessageOut(message).data, status=status.HTTP_201_CREATED)


# --- a lead's SMS thread ------------------------------------------------------------------
class SmsMessageOut(serializers.Serializer):
    id = serializers.IntegerField()
    direction = serializers.CharField()
    body = serializers.CharField()
    from_number = serializers.CharField()
    to_number = serializers.CharField()
    redacted = serializers.BooleanField()
    media = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()), help_text="MMS media: url, content_type."
    )
    created_at = serializers.DateTimeField()
    delivery_status = serializers.SerializerMethodField()

    def get_delivery_status(self, obj) -> str | None:
        return obj.notification.status if obj.notification_id else None


class SmsSendIn(StrictSerializer):
    body = serializers.CharField(max_length=1600)


class LeadSmsThread(AgentAPIView):
    """GET the lead's thread (one query after the lead); POST a text from the Location's number."""

    def _lead(self, request, lead_id):
        return get_object_or_404(Lead.objects.visible_to(request.user).select_related("location"), pk=lead_id)

    @extend_schema(
        responses={
            200: inline_serializer(
                "LeadSmsThreadOut",
                {
                    "lead": serializers.IntegerField(),
                    "opted_out": serializers.BooleanField(),
                    "results": SmsMessageOut(many=True),
                },
            )
        }
    )
    def get(self, request, lead_id: int):
        lead = self._lead(request, lead_id)
        thread = selectors.sms_thread(lead=lead)
        return Response(
            {"lead": lead.pk, "opted_out": lead.sms_opted_out, "results": SmsMessageOut(thread, many=True).data}
        )

    @extend_schema(request=SmsSendIn, responses={201: SmsMessageOut, **RETRY_RESPONSES})
    @idempotent
    def post(self, request, lead_id: int):
        lead = self._lead(request, lead_id)
        data = SmsSendIn(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.send_lead_sms(lead=lead, body=data.validated_data["body"], actor=request.user)
        message.refresh_from_db()
        return Response(SmsMessageOut(message).data, status=status.HTTP_201_CREATED)


# --- call routing -------------------------------------------------------------------------
class RouteIn(StrictSerializer):
    location = serializers.IntegerField()
    at = ApiDateTimeField(required=False, help_text="The time of the call, with its UTC offset (default: now).")
    caller_type = serializers.ChoiceField(choices=CALLER_TYPES, default="other")
    asks_for_by_name = serializers.BooleanField(default=False)
    not_urgent = serializers.BooleanField(default=False)
    wants_message = serializers.BooleanField(default=False)
    emergency = serializers.BooleanField(default=False)
    needed_within_24h = serializers.BooleanField(default=False)
    employee_scheduling = serializers.BooleanField(default=False)
    spam = serializers.BooleanField(default=False)


class StepOut(serializers.Serializer):
    kind = serializers.CharField()
    target = serializers.CharField()
    number = serializers.CharField(required=False)
    address = serializers.CharField(required=False)


class DecisionOut(serializers.Serializer):
    action = serializers.ChoiceField(choices=["transfer", "message", "book"])
    rule = serializers.IntegerField()
    period = serializers.CharField()
    local_time = serializers.CharField()
    steps = StepOut(many=True)
    reasons = serializers.ListField(child=serializers.CharField())
    emergency_definition = serializers.CharField()


class CallRoute(AgentAPIView):
    @extend_schema(request=RouteIn, responses={200: DecisionOut})
    def post(self, request):
        data = RouteIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        location = get_object_or_404(
            Location.objects.visible_to(request.user).select_related("brand"), pk=values.pop("location")
        )
        at = values.pop("at", None) or timezone.now()
        try:
            decision = route_call_for_location(location=location, at=at, **values)
        except NaiveTimeRefused as error:
            return Response({"at": [str(error)]}, status=status.HTTP_400_BAD_REQUEST)
        payload = decision.as_dict()
        payload["emergency_definition"] = location.brand.emergency_definition
        return Response(payload)
