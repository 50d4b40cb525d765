from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self):
        # ready(): the app registry is loaded; this app registers itself with the layers below.
        from leads.contact_sequence import register_lead_texter

        from . import services

        register_lead_texter(services.send_lead_sms)
