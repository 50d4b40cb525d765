from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "calendars"

    def ready(self):
        # The lead page's "Appointments" section (cancel, reschedule, completed, no-show).
        from leads.sections import register_lead_section

        register_lead_section("calendars/_lead_appointments.html", order=10)
