"""REST API of the conflicts capability (DESIGN.md "REST API"): raise and answer conflicts and
same-day requests, the agents' callback queue. Thin views: parse → fetch scoped → service."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Location
from accounts.permissions import Action, can, require_call_center
from leads.models import Lead
from pronexis.api import StrictSerializer
from pronexis.idempotency import RETRY_RESPONSES, idempotent
from pronexis.moments import ApiDateTimeField

from . import callbacks, selectors, services
from .models import Callback, Conflict, SameDayRequest
from .same_day import same_day_raise, same_day_respond

MEETING_TYPES = Location.MeetingType.choices


def _require_agent(user) -> None:
    """Agent-only operations answer 403 before any lookup."""
    require_call_center(user)


def _require_answer_role(user, location, *, agent_phone: bool = False) -> None:
    """A role that may not answer gets 403 before its input is looked at (the service checks the
    channel precisely: an agent only records an answer given by phone)."""
    if not (can(user, Action.ANSWER, location) or (agent_phone and can(user, Action.RECORD_PHONE_ANSWER, location))):
        raise PermissionDenied("Your role may not answer conflicts or same-day requests.")


def _lead(user, lead_id):
    return get_object_or_404(Lead.objects.visible_to(user).select_related("location"), pk=lead_id)


class ConflictOut(serializers.ModelSerializer):
    class Meta:
        model = Conflict
        fields = [
            "id",
            "location",
            "lead",
            "kind",
            "status",
            "requested_start",
            "requested_end",
            "requested_meeting_type",
            "requested_address",
            "caller_notes",
            "decision",
            "owner_notes",
            "alternate_start",
            "alternate_end",
            "alternate_meeting_type",
            "responded_by",
            "responded_at",
            "response_channel",
            "created_at",
            "closed_at",
        ]


class SameDayOut(serializers.ModelSerializer):
    # DESIGN.md's name for the model's requested_meeting_type (conflicts.models.OwnerRequest).
    meeting_type = serializers.ChoiceField(source="requested_meeting_type", choices=MEETING_TYPES, read_only=True)

    class Meta:
        model = SameDayRequest
        fields = [
            "id",
            "location",
            "lead",
            "status",
            "requested_start",
            "requested_end",
            "meeting_type",
            "owner_notes",
            "responded_by",
            "responded_at",
            "response_channel",
            "created_at",
            "closed_at",
            "outcome",
        ]


class CallbackOut(serializers.ModelSerializer):
    lead_name = serializers.CharField(source="lead.full_name", read_only=True)
    lead_phone = serializers.CharField(source="lead.phone", read_only=True)
    location_name = serializers.CharField(source="location.name", read_only=True)

    class Meta:
        model = Callback
        fields = [
            "id",
            "location",
            "location_name",
            "lead",
            "lead_name",
            "lead_phone",
            "conflict",
            "same_day_request",
            "reason",
            "instructions",
            "status",
            "outcome",
            "notes",
            "created_at",
            "closed_at",
        ]


class ConflictCreateView(APIView):
    class ConflictCreateInput(StrictSerializer):
        lead = serializers.IntegerField()
        kind = serializers.ChoiceField(choices=Conflict.Kind.choices)
        requested_start = ApiDateTimeField()
        requested_end = ApiDateTimeField()
        requested_meeting_type = serializers.ChoiceField(choices=MEETING_TYPES)
        requested_address = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")
        caller_notes = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=ConflictCreateInput, responses={201: ConflictOut, **RETRY_RESPONSES})
    @idempotent
    def post(self, request):
        _require_agent(request.user)
        data = self.ConflictCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        lead = _lead(request.user, values.pop("lead"))
        conflict = services.conflict_raise(lead=lead, actor=request.user, **values)
        return Response(ConflictOut(conflict).data, status=status.HTTP_201_CREATED)


class ConflictRespondView(APIView):
    class ConflictRespondInput(StrictSerializer):
        decision = serializers.ChoiceField(choices=Conflict.Decision.choices)
        notes = serializers.CharField(required=False, allow_blank=True, default="")
        alternate_start = ApiDateTimeField(required=False, allow_null=True, default=None)
        alternate_end = ApiDateTimeField(required=False, allow_null=True, default=None)
        alternate_meeting_type = serializers.ChoiceField(
            choices=MEETING_TYPES, required=False, allow_null=True, allow_blank=True, default=None
        )

    @extend_schema(request=ConflictRespondInput, responses={200: ConflictOut})
    def post(self, request, conflict_id: int):
        conflict = get_object_or_404(
            Conflict.objects.visible_to(request.user).select_related("location"), pk=conflict_id
        )
        _require_answer_role(request.user, conflict.location)
        data = self.ConflictRespondInput(data=request.data)
        data.is_valid(raise_exception=True)
        conflict = services.conflict_respond(
            conflict=conflict, actor=request.user, channel=Conflict.Channel.API, **data.validated_data
        )
        return Response(ConflictOut(conflict).data)


class SameDayCreateView(APIView):
    class SameDayCreateInput(StrictSerializer):
        lead = serializers.IntegerField()
        requested_start = ApiDateTimeField()
        requested_end = ApiDateTimeField()
        meeting_type = serializers.ChoiceField(choices=MEETING_TYPES, source="requested_meeting_type")

    @extend_schema(request=SameDayCreateInput, responses={201: SameDayOut, **RETRY_RESPONSES})
    @idempotent
    def post(self, request):
        _require_agent(request.user)
        data = self.SameDayCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        lead = _lead(request.user, values.pop("lead"))
        same_day = same_day_raise(lead=lead, actor=request.user, **values)
        return Response(SameDayOut(same_day).data, status=status.HTTP_201_CREATED)


class SameDayRespondView(APIView):
    class SameDayRespondInput(StrictSerializer):
        decision = serializers.ChoiceField(choices=SameDayRequest.Decision.choices)
        notes = serializers.CharField(required=False, allow_blank=True, default="")
        channel = serializers.ChoiceField(choices=[("api", "API"), ("phone", "Phone")], required=False, default="api")

    @extend_schema(request=SameDayRespondInput, responses={200: SameDayOut})
    def post(self, request, same_day_id: int):
        same_day = get_object_or_404(
            SameDayRequest.objects.visible_to(request.user).select_related("location"), pk=same_day_id
        )
        _require_answer_role(request.user, same_day.location, agent_phone=True)
        data = self.SameDayRespondInput(data=request.data)
        data.is_valid(raise_exception=True)
        same_day = same_day_respond(request=same_day, actor=request.user, **data.validated_data)
        return Response(SameDayOut(same_day).data)


class OldestFirst(CursorPagination):
    ordering = ("created_at", "id")
    page_size = 50


class CallbackListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("location", int, description="Only this Location's callbacks"),
            OpenApiParameter("cursor", str, description="The `next` or `previous` link's cursor"),
        ],
        responses={
            200: inline_serializer(
                "CallbackPage",
                {
                    "next": serializers.CharField(allow_null=True),
                    "previous": serializers.CharField(allow_null=True),
                    "results": CallbackOut(many=True),
                },
            )
        },
    )
    def get(self, request):
        _require_agent(request.user)
        location = request.query_params.get("location")
        if location is not None and not location.isdecimal():  # "?location=" is not "any location"
            return Response({"location": ["A Location id."]}, status=status.HTTP_400_BAD_REQUEST)
        queryset = selectors.open_callbacks(
            user=request.user, location_id=int(location) if location is not None else None
        )
        paginator = OldestFirst()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(CallbackOut(page, many=True).data)


class CallbackCloseView(APIView):
    class CallbackCloseInput(StrictSerializer):
        outcome = serializers.ChoiceField(choices=Callback.Outcome.choices)
        notes = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=CallbackCloseInput, responses={200: CallbackOut})
    def post(self, request, callback_id: int):
        _require_agent(request.user)
        callback = get_object_or_404(Callback.objects.visible_to(request.user), pk=callback_id)
        data = self.CallbackCloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        callback = callbacks.callback_close(callback=callback, actor=request.user, **data.validated_data)
        return Response(CallbackOut(callback).data)
