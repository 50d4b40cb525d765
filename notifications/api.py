"""Push subscriptions API (issue #11): the portal page saves the browser's
`PushSubscription.toJSON()` and removes it. Session only (with CSRF): a device belongs to a
person signed in on it, not to an integration's token."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from pronexis.api import StrictSerializer
from pronexis.vapid import decode_base64url

from .models import PushSubscription
from .push import AUTH_BYTES, P256DH_BYTES, endpoint_problem, push_subscription_remove, push_subscription_save


def _key(value: str, size: int, what: str) -> str:
    try:
        raw = decode_base64url(value)
    except ValueError:
        raise serializers.ValidationError(f"The {what} must be base64url (letters, digits, - and _).")
    if len(raw) != size:
        raise serializers.ValidationError(f"The {what} must be {size} bytes, not {len(raw)}.")
    if size == P256DH_BYTES and raw[0] != 0x04:
        raise serializers.ValidationError(f"The {what} must be an uncompressed P-256 point (starting 0x04).")
    return value.rstrip("=")


class PushKeysIn(StrictSerializer):
    p256dh = serializers.CharField(max_length=100, help_text="The device's P-256 public key, base64url (65 bytes).")
    auth = serializers.CharField(max_length=40, help_text="The device's authentication secret, base64url (16 bytes).")

    def validate_p256dh(self, value):
        return _key(value, P256DH_BYTES, "p256dh key")

    def validate_auth(self, value):
        return _key(value, AUTH_BYTES, "auth secret")


class PushSubscriptionIn(StrictSerializer):
    """The browser's `PushSubscription.toJSON()`, as it comes."""

    endpoint = serializers.URLField(max_length=2000, help_text="The push service's address for this device (https).")
    expirationTime = serializers.IntegerField(  # noqa: N815 (the browser's own name)
        required=False, allow_null=True, min_value=0, max_value=2**53, help_text="Ignored; browsers send null."
    )
    keys = PushKeysIn()

    def validate_endpoint(self, value):
        if problem := endpoint_problem(value):
            raise serializers.ValidationError(problem)
        return value


class PushSubscriptionOut(serializers.ModelSerializer):
    device = serializers.CharField(source="device_name", help_text="The browser and system, from its User-Agent.")

    class Meta:
        model = PushSubscription
        fields = ["id", "endpoint", "device", "created_at", "last_success_at"]


class SignedInAPIView(APIView):
    authentication_classes = [SessionAuthentication]  # enforces CSRF
    permission_classes = [IsAuthenticated]


class PushSubscriptionCreate(SignedInAPIView):
    @extend_schema(
        request=PushSubscriptionIn,
        responses={
            201: PushSubscriptionOut,
            200: OpenApiResponse(PushSubscriptionOut, description="This device was already saved: updated."),
        },
        summary="Save this browser for push notifications",
    )
    def post(self, request):
        data = PushSubscriptionIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        subscription, created = push_subscription_save(
            user=request.user,
            endpoint=values["endpoint"],
            p256dh=values["keys"]["p256dh"],
            auth=values["keys"]["auth"],
            user_agent=request.headers.get("User-Agent", ""),
        )
        return Response(
            PushSubscriptionOut(subscription).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class PushSubscriptionDelete(SignedInAPIView):
    @extend_schema(responses={204: None}, summary="Stop push notifications to one of your devices")
    def delete(self, request, subscription_id: int):
        if not push_subscription_remove(user=request.user, subscription_id=subscription_id):
            raise Http404  # another user's device is "not found", like another tenant's row
        return Response(status=status.HTTP_204_NO_CONTENT)
