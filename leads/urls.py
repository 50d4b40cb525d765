from django.urls import path

from . import views

urlpatterns = [
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/export.csv", views.lead_export, name="lead_export"),
    path("leads/<int:lead_id>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:lead_id>/status/", views.lead_status, name="lead_status"),
]
