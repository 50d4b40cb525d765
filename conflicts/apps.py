from django.apps import AppConfig


class ConflictsConfig(AppConfig):
    name = "conflicts"

    def ready(self):
        from leads.sections import register_lead_section

        from . import selectors, webhooks  # noqa: F401  (webhooks connects the anymail inbound receiver)

        register_lead_section(
            "conflicts/_lead_requests.html", context=lambda request, lead: selectors.lead_requests(lead=lead), order=20
        )
