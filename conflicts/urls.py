from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("conflicts/<int:conflict_id>/", views.conflict_detail, name="conflict_detail"),
    path("same-day/<int:same_day_id>/", views.same_day_detail, name="same_day_detail"),
]
