from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"

    def ready(self):
        # ready(): the app registry is loaded; this app registers itself with the layers below.
        from notifications.optouts import on_opt_out_change

        from .contact_sequence import lead_copy_opt_out

        on_opt_out_change(lead_copy_opt_out)
