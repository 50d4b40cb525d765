"""REST API of the leads capability (DESIGN.md "REST API"): thin views over services/selectors."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Brand, Location
from accounts.normalize import normalize_phone, normalize_postal_code
from accounts.permissions import is_call_center
from accounts.scoping import visible_brand_ids, visible_location_ids
from pronexis.api import StrictSerializer
from pronexis.idempotency import idempotent
from pronexis.moments import ApiDateTimeField, api_moment

from . import calls, capture, contact_sequence, selectors, services
from .models import CallRecord, CallTask, Lead

ERRORS = {
    400: OpenApiResponse(description="Invalid input: a message per field."),
    403: OpenApiResponse(description="Your role may not do this."),
    404: OpenApiResponse(description="No such object (or another tenant's)."),
}
MAX_CALL_SECONDS = 24 * 60 * 60  # a call record longer than a day is a typo
REFUSED = {409: OpenApiResponse(description="The rules refuse this change; `detail` names the rule.")}


# --- permissions -----------------------------------------------------------------------------
def may_capture(user) -> bool:
    """Agent, brand and location (integration) tokens, agents and staff; not owners by session."""
    return getattr(user, "api_token", None) is not None or is_call_center(user)


class CanCapture(BasePermission):
    message = "Only agents, integrations (API tokens) and call-center staff may post leads and calls."

    def has_permission(self, request, view):
        if request.method != "POST":
            return True
        return may_capture(request.user)


class IsAgent(BasePermission):
    message = "The call queue is for call-center agents."

    def has_permission(self, request, view):
        return is_call_center(request.user)


# A form's clock may run a little ahead of ours.
CONSENT_CLOCK_SKEW = timedelta(minutes=5)


# --- serializers -----------------------------------------------------------------------------
def _phone(value: str) -> str:
    if not value:
        return ""
    try:
        return normalize_phone(value)
    except Exception as exc:  # django ValidationError → DRF per-field error
        raise serializers.ValidationError(getattr(exc, "messages", [str(exc)]))


class SmsConsentIn(StrictSerializer):
    """The lead's consent to be texted as the web form captured it (issue #14: the consent ledger)."""

    text = serializers.CharField(max_length=2000, help_text="The consent wording the lead agreed to.")
    at = ApiDateTimeField(help_text="When the lead agreed (with its UTC offset).")
    source_url = serializers.URLField(max_length=500, help_text="The page of the form.")

    def validate_text(self, value):
        if not value.strip():
            raise serializers.ValidationError("The consent wording is required.")
        return value.strip()

    def validate_at(self, value):
        if value > timezone.now() + CONSENT_CLOCK_SKEW:
            raise serializers.ValidationError("Consent cannot be given in the future.")
        return value


@extend_schema_field(SmsConsentIn)
class SmsConsentField(serializers.Field):
    """`sms_consent` as an object; its errors as "<field>: <message>" strings, so a 400 keeps the
    API's one error shape (field → list of strings)."""

    def to_internal_value(self, data):
        consent = SmsConsentIn(data=data)
        if consent.is_valid():
            return consent.validated_data
        raise serializers.ValidationError(
            [
                message if name == "non_field_errors" else f"{name}: {message}"
                for name, messages in consent.errors.items()
                for message in messages
            ]
        )

    def to_representation(self, value):
        return value


class LeadCaptureIn(StrictSerializer):
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    # No `default=""`: an empty default is not an e-mail address (openapi-spec-validator).
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    address = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")
    postal_code = serializers.CharField(max_length=12, required=False, allow_blank=True, default="")
    service = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    source = serializers.ChoiceField(choices=Lead.Source.choices, required=False, default=Lead.Source.API)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    external_id = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    brand = serializers.IntegerField(required=False, allow_null=True, default=None)
    location = serializers.IntegerField(required=False, allow_null=True, default=None)
    test = serializers.BooleanField(required=False, default=False)
    sms_consent = SmsConsentField(required=False, help_text="Recorded as an opt-in in the consent ledger.")

    def validate_phone(self, value):
        return _phone(value)

    def validate_email(self, value):
        return value.strip().lower()

    def validate_postal_code(self, value):
        if not value.strip():
            return ""
        try:
            return normalize_postal_code(value)
        except Exception as exc:
            raise serializers.ValidationError(getattr(exc, "messages", [str(exc)]))

    def validate(self, attrs):
        attrs = {"email": "", **attrs}
        user = self.context["request"].user
        errors = {}
        location = None
        if attrs["location"] is not None:
            location = Location.objects.visible_to(user).select_related("brand").filter(pk=attrs["location"]).first()
            if location is None:
                errors["location"] = ["No such location."]
        brands = Brand.objects.filter(
            Q(id__in=visible_brand_ids(user)) | Q(locations__id__in=visible_location_ids(user))
        ).distinct()
        brand = None
        if attrs["brand"] is not None:
            brand = brands.filter(pk=attrs["brand"]).first()
            if brand is None:
                errors["brand"] = ["No such brand."]
        if errors:
            raise serializers.ValidationError(errors)
        if location is not None:
            if brand is not None and brand.pk != location.brand_id:
                raise serializers.ValidationError({"location": ["This Location belongs to another brand."]})
            brand = location.brand
        if brand is None:
            candidates = list(brands[:2])
            if len(candidates) != 1:
                raise serializers.ValidationError({"brand": ["Required when your token spans several brands."]})
            brand = candidates[0]
        if location is None and not attrs["postal_code"]:
            raise serializers.ValidationError(
                {"postal_code": ["Required when no location is given: leads are routed by postal code."]}
            )
        if not attrs["phone"] and not attrs["email"]:
            raise serializers.ValidationError({"phone": ["A phone number or an e-mail address is required."]})
        if attrs.get("sms_consent") and not attrs["phone"]:
            raise serializers.ValidationError({"sms_consent": ["Consent to texts needs the lead's phone number."]})
        token = getattr(user, "api_token", None)
        if location is None and token is not None and token.scope == "location":
            routed = capture.lead_route(brand=brand, postal_code=attrs["postal_code"])
            if routed is not None and not Location.objects.visible_to(user).filter(pk=routed.pk).exists():
                raise serializers.ValidationError(
                    {"postal_code": ["This postal code is in the area of a Location your token does not cover."]}
                )
        return {**attrs, "brand": brand, "location": location}


class LeadOut(serializers.ModelSerializer):
    service = serializers.CharField(source="service_name", read_only=True)
    email = serializers.CharField(read_only=True, help_text="E-mail address; empty when none was given.")

    class Meta:
        model = Lead
        fields = [
            "id",
            "status",
            "reason",
            "location",
            "brand",
            "duplicate_of",
            "first_name",
            "last_name",
            "phone",
            "email",
            "address",
            "postal_code",
            "service",
            "source",
            "notes",
            "external_id",
            "test",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class LeadStatusIn(StrictSerializer):
    status = serializers.ChoiceField(choices=Lead.Status.choices)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CallIn(StrictSerializer):
    provider_call_id = serializers.CharField(max_length=100)
    caller_number = serializers.CharField(max_length=30)
    called_number = serializers.CharField(max_length=30)
    started_at = ApiDateTimeField()
    duration_seconds = serializers.IntegerField(min_value=0, max_value=MAX_CALL_SECONDS, required=False, default=0)
    recording_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    lead = serializers.IntegerField(required=False, allow_null=True, default=None)

    def validate_caller_number(self, value):
        return _phone(value)

    def validate_called_number(self, value):
        return _phone(value)

    def validate_lead(self, value):
        if value is None:
            return None
        lead = Lead.objects.visible_to(self.context["request"].user).filter(pk=value).first()
        if lead is None:
            raise serializers.ValidationError("No such lead.")
        return lead


class CallOut(serializers.ModelSerializer):
    class Meta:
        model = CallRecord
        fields = [
            "id",
            "location",
            "caller_number",
            "called_number",
            "started_at",
            "duration_seconds",
            "agent",
            "recording_url",
            "lead",
            "provider_call_id",
        ]
        read_only_fields = fields


class CallTaskLeadOut(serializers.ModelSerializer):
    email = serializers.CharField(read_only=True, help_text="E-mail address; empty when none was given.")

    class Meta:
        model = Lead
        fields = ["id", "first_name", "last_name", "phone", "email", "status", "source", "service_name"]
        read_only_fields = fields


class CallTaskOut(serializers.ModelSerializer):
    lead = CallTaskLeadOut(read_only=True)
    location_time_zone = serializers.CharField(source="location.time_zone", read_only=True)
    outcome = serializers.ChoiceField(choices=CallTask.Outcome.choices, allow_blank=True, read_only=True)

    class Meta:
        model = CallTask
        fields = [
            "id",
            "lead",
            "location",
            "location_time_zone",
            "due_at",
            "outcome",
            "callback_at",
            "agent",
            "completed_at",
        ]
        read_only_fields = fields


class CallOutcomeIn(StrictSerializer):
    outcome = serializers.ChoiceField(choices=CallTask.Outcome.choices)
    callback_at = ApiDateTimeField(required=False, allow_null=True, default=None)


# --- views -----------------------------------------------------------------------------------
class LeadCursorPagination(CursorPagination):
    ordering = ("-updated_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        # DRF ignores an unreadable page_size; the API answers 400 for it like for any parameter.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isdecimal() and 1 <= int(raw) <= self.max_page_size):
            raise ValidationError({self.page_size_query_param: [f"A number from 1 to {self.max_page_size}."]})
        return super().get_page_size(request)


class LeadListCreate(generics.ListAPIView):
    """GET: leads you can see (filters, cursor pagination). POST: capture a lead."""

    permission_classes = [IsAuthenticated, CanCapture]
    serializer_class = LeadOut
    pagination_class = LeadCursorPagination

    def get_queryset(self):
        leads = Lead.objects.visible_to(self.request.user)
        params = self.request.query_params
        # A parameter that is present is checked, even empty: "?location=" is not "any location".
        if (status_value := params.get("status")) is not None:
            if status_value not in Lead.Status.values:
                raise ValidationError({"status": [f"“{status_value}” is not a lead status."]})
            leads = leads.filter(status=status_value)
        if (location := params.get("location")) is not None:
            if not location.isdecimal():
                raise ValidationError({"location": ["A location id is a number."]})
            leads = leads.filter(location_id=int(location))
        if since := api_moment(params, "updated_since"):
            leads = leads.filter(updated_at__gte=since)
        return leads

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=Lead.Status.values),
            OpenApiParameter("location", int),
            OpenApiParameter("updated_since", OpenApiTypes.DATETIME),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=LeadCaptureIn,
        responses={
            201: LeadOut,
            200: OpenApiResponse(LeadOut, description="This external_id was already captured with this payload."),
            **ERRORS,
            409: OpenApiResponse(
                description="This external_id, or this Idempotency-Key, was already used with a different payload."
            ),
        },
    )
    @idempotent
    def post(self, request):
        data = LeadCaptureIn(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        lead, created = capture.lead_capture(data=data.validated_data, actor=request.user)
        return Response(LeadOut(lead).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class LeadStatusView(APIView):
    @extend_schema(request=LeadStatusIn, responses={200: LeadOut, **ERRORS, **REFUSED})
    def post(self, request, lead_id: int):
        lead = get_object_or_404(Lead.objects.visible_to(request.user).select_related("location"), pk=lead_id)
        actor_kind = services.actor_kind_for(request.user, lead.location)
        data = LeadStatusIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.lead_set_status(lead=lead, actor=request.user, actor_kind=actor_kind, **data.validated_data)
        lead.refresh_from_db()
        return Response(LeadOut(lead).data)


class CallListCreate(APIView):
    permission_classes = [IsAuthenticated, CanCapture]

    @extend_schema(
        parameters=[
            OpenApiParameter("caller", str, description="Caller number"),
            OpenApiParameter("called", str, description="Number called"),
            OpenApiParameter("at", OpenApiTypes.DATETIME, description="Time of the call (±15 minutes)"),
        ],
        responses={200: CallOut(many=True), 400: ERRORS[400]},
        description="Call and recording lookup: at least two of caller, called and at.",
    )
    def get(self, request):
        if not may_capture(request.user):
            raise PermissionDenied("The call lookup API is for agents and integrations; owners use Reports.")
        params = request.query_params
        at = api_moment(params, "at")
        calls = selectors.call_lookup(
            user=request.user, caller=params.get("caller"), called=params.get("called"), at=at
        )
        return Response(CallOut(calls[:100], many=True).data)

    @extend_schema(
        request=CallIn,
        responses={
            201: CallOut,
            200: OpenApiResponse(CallOut, description="This provider_call_id was already recorded."),
            **ERRORS,
        },
    )
    def post(self, request):
        data = CallIn(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        record, created = calls.call_record_create(data=data.validated_data, actor=request.user)
        return Response(CallOut(record).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class CallQueueList(generics.ListAPIView):
    """The agents' call queue: open call attempts of in-process leads, due first."""

    permission_classes = [IsAuthenticated, IsAgent]
    serializer_class = CallTaskOut
    pagination_class = None

    def get_queryset(self):
        return selectors.call_queue(user=self.request.user)[:200]


class CallTaskOutcome(APIView):
    permission_classes = [IsAuthenticated, IsAgent]

    @extend_schema(request=CallOutcomeIn, responses={200: CallTaskOut, **ERRORS, **REFUSED})
    def post(self, request, call_task_id: int):
        task = get_object_or_404(CallTask.objects.visible_to(request.user), pk=call_task_id)
        data = CallOutcomeIn(data=request.data)
        data.is_valid(raise_exception=True)
        contact_sequence.call_task_record_outcome(task=task, actor=request.user, **data.validated_data)
        task = CallTask.objects.select_related("lead", "location").get(pk=task.pk)
        return Response(CallTaskOut(task).data)
