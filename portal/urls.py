from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("leads/<int:lead_id>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:lead_id>/status/", views.lead_status, name="lead_status"),
    path("reports/", views.reports_page, name="reports"),
    path("reports/appointments.csv", views.reports_appointments_csv, name="reports_appointments_csv"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("offline/", views.offline, name="offline"),
    path("live/", views.live, name="live"),
    path("routing/", views.routing_simulator, name="routing_simulator"),
    path("messages/<int:message_id>/got-it/", views.message_got_it, name="message_got_it"),
    path("same-day/<int:same_day_id>/got-it/", views.same_day_got_it, name="same_day_got_it"),
    path("messages/<int:message_id>/called-back/", views.message_called_back, name="message_called_back"),
    path("got-it/<str:token>/", views.got_it_link, name="got_it_link"),
    path("got-it/<str:token>/push/", views.got_it_push, name="got_it_push"),
]
