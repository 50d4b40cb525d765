from django.apps import AppConfig


class PortalConfig(AppConfig):
    """Pages that compose several apps and the installable shell (manifest, service worker,
    live counters). It reads other apps' models and selectors; no app imports it."""

    name = "portal"

    def ready(self):
        # ready(): the app registry is loaded; the push channel (notifications, the bottom layer)
        # asks this app which buttons a push about an urgent item carries.
        from notifications.push import register_push_actions

        from . import urgent

        register_push_actions(urgent.push_actions)
