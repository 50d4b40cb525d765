from django.apps import AppConfig


class ConflictsConfig(AppConfig):
    name = "conflicts"

    def ready(self):
        from . import webhooks  # noqa: F401  (connects the anymail inbound receiver)
