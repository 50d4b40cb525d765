from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """The outbox (e-mail and SMS), provider callbacks and opt-outs: the layer just above accounts."""

    name = "notifications"

    def ready(self):
        # ready(): the app registry is loaded; this app registers itself with the layers below.
        from accounts.personal_settings import add_location_settings, add_personal_settings
        from accounts.services import on_invitation_created

        from .outbox import notify_invitation
        from .views import push_devices_context, stopped_numbers_context

        on_invitation_created(notify_invitation)
        add_personal_settings(push_devices_context)
        add_location_settings(stopped_numbers_context)
