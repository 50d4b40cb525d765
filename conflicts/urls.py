from django.urls import path

from pronexis.checks import refuses_development_secrets

from . import views, webhooks

urlpatterns = [
    path("conflicts/<int:conflict_id>/", views.conflict_detail, name="conflict_detail"),
    path("conflicts/<int:conflict_id>/respond/", views.conflict_respond, name="conflict_respond"),
    path("conflicts/<int:conflict_id>/alternates/", views.conflict_alternates, name="conflict_alternates"),
    path("same-day/<int:same_day_id>/", views.same_day_detail, name="same_day_detail"),
    path("same-day/<int:same_day_id>/respond/", views.same_day_respond, name="same_day_respond"),
    path("answer/<str:token>/", views.answer_link, name="answer_link"),
    path(
        "webhooks/email/inbound/",
        refuses_development_secrets("ANYMAIL_WEBHOOK_SECRET", "MAILGUN_WEBHOOK_SIGNING_KEY")(webhooks.inbound_email),
        name="inbound_email",
    ),
]
