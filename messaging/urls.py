"""Portal pages and the inbound-text webhook of messaging."""

from django.urls import path

from pronexis.checks import refuses_development_secrets

from . import views

urlpatterns = [
    path("messages/", views.inbox, name="messages_inbox"),
    path("messages/<int:message_id>/", views.message_detail, name="message_detail"),
    path("messages/<int:message_id>/unread/", views.message_mark_unread, name="message_mark_unread"),
    path(
        "webhooks/twilio/sms/",
        refuses_development_secrets("TWILIO_AUTH_TOKEN")(views.twilio_sms_webhook),
        name="twilio_sms_webhook",
    ),
]
