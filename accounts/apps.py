from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        # The project package is no app: its deploy checks are registered by the first app.
        from pronexis import checks  # noqa: F401

        from . import two_factor_views  # noqa: F401  (its sign-in and sign-out receivers)
