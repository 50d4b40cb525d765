"""Short links of texts and the Twilio status webhook."""

from django.urls import path

from pronexis.checks import refuses_development_secrets

from . import views

urlpatterns = [
    path("n/<str:short_code>/", views.short_link, name="notification_short_link"),
    path("consent/<int:location_id>/export.csv", views.consent_export, name="consent_export"),
    path(
        "notifications/devices/<int:subscription_id>/remove/", views.push_device_remove, name="push_device_remove"
    ),
    path("deliveries/<int:notification_id>/dismiss/", views.delivery_dismiss, name="delivery_dismiss"),
    path(
        "webhooks/twilio/status/",
        refuses_development_secrets("TWILIO_AUTH_TOKEN")(views.twilio_status_webhook),
        name="twilio_status_webhook",
    ),
]
