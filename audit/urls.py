from django.urls import path

from . import views

urlpatterns = [
    path("activity/", views.activity_home, name="activity"),
    path("activity/<int:location_id>/", views.location_activity, name="location_activity"),
    path("activity/<int:location_id>/export.csv", views.location_activity_export, name="location_activity_export"),
]
