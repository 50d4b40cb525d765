import importlib

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import demo as accounts_demo

# Each capability adds its demo rows in `<app>/demo.py: seed(demo)`, in this order.
APP_ORDER = ["leads", "messaging", "calendars", "conflicts"]


class Command(BaseCommand):
    help = "Creates the demo brand, Locations, users (password 'demo') and sample data. Idempotent."

    def handle(self, *args, **options):
        with transaction.atomic():
            demo = accounts_demo.seed()
            for label in APP_ORDER:
                if not apps.is_installed(label):
                    continue
                try:
                    module = importlib.import_module(f"{label}.demo")
                except ModuleNotFoundError as error:
                    if error.name != f"{label}.demo":
                        raise
                    continue
                module.seed(demo)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in with any of these (password 'demo'):"))
        for key, user in demo.users.items():
            self.stdout.write(f"  {user.email:<22} {key}")
        if demo.agent_key:
            self.stdout.write(self.style.WARNING(f"Agent API token (shown once): {demo.agent_key}"))
