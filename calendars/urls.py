"""Portal routes of the calendars capability."""

from django.urls import path

from . import views

urlpatterns = [
    path("calendar/", views.calendar_view, name="calendar"),
    path("calendar/<int:location_id>/availability/windows/", views.window_add, name="availability_window_add"),
    path("calendar/<int:location_id>/availability/exceptions/", views.exception_add, name="availability_exception_add"),
    path("calendar/<int:location_id>/availability/settings/", views.slot_settings, name="availability_slot_settings"),
    path("calendar/windows/<int:window_id>/delete/", views.window_delete, name="availability_window_delete"),
    path(
        "calendar/exceptions/<int:exception_id>/delete/", views.exception_delete, name="availability_exception_delete"
    ),
    path("calendar/<int:location_id>/sources/", views.calendar_source_add, name="calendar_source_add"),
    path("calendar/sources/<int:source_id>/refresh/", views.calendar_source_refresh, name="calendar_source_refresh"),
    path("calendar/sources/<int:source_id>/delete/", views.calendar_source_delete, name="calendar_source_delete"),
    path("calendar/appointments/<int:appointment_id>/", views.appointment_detail, name="appointment_detail"),
    path("calendar/appointments/<int:appointment_id>/cancel/", views.appointment_cancel, name="appointment_cancel"),
    path(
        "calendar/appointments/<int:appointment_id>/reschedule/",
        views.appointment_reschedule,
        name="appointment_reschedule",
    ),
    path("calendar/appointments/<int:appointment_id>/status/", views.appointment_status, name="appointment_status"),
    path("calendar/<str:secret>.ics", views.calendar_feed, name="calendar_feed"),
]
