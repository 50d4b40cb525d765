"""API routes under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("leads/", api.LeadListCreate.as_view(), name="api_leads"),
    path("leads/<int:lead_id>/status/", api.LeadStatusView.as_view(), name="api_lead_status"),
    path("calls/", api.CallListCreate.as_view(), name="api_calls"),
    path("call-queue/", api.CallQueueList.as_view(), name="api_call_queue"),
    path("call-queue/<int:call_task_id>/outcome/", api.CallTaskOutcome.as_view(), name="api_call_queue_outcome"),
]
