from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self):
        # ready(): the app registry is loaded; this app registers itself with the layers below.
        from leads.contact_sequence import register_lead_texter
        from leads.sections import register_lead_section

        from . import selectors, services

        register_lead_section(
            "messaging/_lead_messaging.html",
            context=lambda request, lead: selectors.lead_messaging(lead=lead),
            order=30,
        )
        register_lead_texter(services.send_lead_sms)
