"""API routes under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("conflicts/", api.ConflictCreateView.as_view(), name="api_conflict_create"),
    path("conflicts/<int:conflict_id>/respond/", api.ConflictRespondView.as_view(), name="api_conflict_respond"),
    path("same-day-requests/", api.SameDayCreateView.as_view(), name="api_same_day_create"),
    path("same-day-requests/<int:same_day_id>/respond/", api.SameDayRespondView.as_view(), name="api_same_day_respond"),
    path("callbacks/", api.CallbackListView.as_view(), name="api_callback_list"),
    path("callbacks/<int:callback_id>/close/", api.CallbackCloseView.as_view(), name="api_callback_close"),
]
