from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "calendars"

    def ready(self):
        # The lead page's "Appointments" section (cancel, reschedule, completed, no-show).
        try:
            from leads.sections import register_lead_section
        except ImportError:  # pragma: no cover - the leads capability provides the registry
            return
        register_lead_section("calendars/_lead_appointments.html", order=10)
