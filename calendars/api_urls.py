"""API routes under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("locations/<int:location_id>/slots/", api.location_slots, name="api_location_slots"),
    path("appointments/", api.AppointmentCreate.as_view(), name="api_appointment_create"),
    path("appointments/<int:appointment_id>/cancel/", api.appointment_cancel, name="api_appointment_cancel"),
]
