"""API routes under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("messages/", api.OfficeMessageCreate.as_view(), name="api_messages_create"),
    path("leads/<int:lead_id>/sms/", api.LeadSmsThread.as_view(), name="api_lead_sms"),
    path("calls/route/", api.CallRoute.as_view(), name="api_calls_route"),
]
