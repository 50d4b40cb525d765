"""The agent console, all under /agent/ (agent-only: portal users get 403 before any lookup)."""

from django.urls import path

from . import views

urlpatterns = [
    path("agent/", views.home, name="agent_home"),
    path("agent/locations/<int:location_id>/", views.location_card, name="agent_location"),
    path("agent/locations/<int:location_id>/leads/new/", views.lead_create, name="agent_lead_create"),
    path("agent/locations/<int:location_id>/leads/duplicate/", views.lead_duplicate_check, name="agent_lead_duplicate"),
    path("agent/locations/<int:location_id>/messages/new/", views.message_create, name="agent_message_create"),
    path("agent/leads/<int:lead_id>/", views.lead_workspace, name="agent_lead"),
    path("agent/leads/<int:lead_id>/status/", views.lead_status, name="agent_lead_status"),
    path("agent/leads/<int:lead_id>/book/", views.lead_book, name="agent_lead_book"),
    path("agent/leads/<int:lead_id>/conflicts/", views.lead_conflict, name="agent_lead_conflict"),
    path("agent/leads/<int:lead_id>/same-day/", views.lead_same_day, name="agent_lead_same_day"),
    path("agent/leads/<int:lead_id>/sms/", views.lead_sms, name="agent_lead_sms"),
    path("agent/leads/<int:lead_id>/no-texts/", views.lead_no_texts, name="agent_lead_no_texts"),
    path("agent/same-day/<int:same_day_id>/answer/", views.same_day_answer, name="agent_same_day_answer"),
    path("agent/callbacks/", views.callback_queue, name="agent_callbacks"),
    path("agent/callbacks/<int:callback_id>/close/", views.callback_close_view, name="agent_callback_close"),
    path("agent/calls/", views.call_queue_page, name="agent_calls"),
    path("agent/calls/<int:call_task_id>/outcome/", views.call_outcome, name="agent_call_outcome"),
]
