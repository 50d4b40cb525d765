"""API routes under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("push-subscriptions/", api.PushSubscriptionCreate.as_view(), name="api_push_subscriptions_create"),
    path(
        "push-subscriptions/<int:subscription_id>/",
        api.PushSubscriptionDelete.as_view(),
        name="api_push_subscription_delete",
    ),
]
