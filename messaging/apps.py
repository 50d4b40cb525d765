from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self):
        from leads.sections import register_lead_section

        from . import selectors

        register_lead_section(
            "messaging/_lead_messaging.html",
            context=lambda request, lead: selectors.lead_messaging(lead=lead),
            order=30,
        )
