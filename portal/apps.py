from django.apps import AppConfig


class PortalConfig(AppConfig):
    """Pages that compose several apps and the installable shell (manifest, service worker,
    live counters). It reads other apps' models and selectors; no app imports it."""

    name = "portal"
