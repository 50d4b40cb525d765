"""`manage.py sync_calendar_sources [--location ID]`: read every calendar source now."""

from django.core.management.base import BaseCommand

from calendars.sources import calendar_sources_refresh


class Command(BaseCommand):
    help = "Refresh the owners' calendar sources into busy blocks (all, or one Location's)."

    def add_arguments(self, parser):
        parser.add_argument("--location", type=int, default=None, help="Only this Location's sources.")

    def handle(self, *args, location=None, **options):
        ok, failed = calendar_sources_refresh(location_id=location, due_only=False)
        self.stdout.write(f"{ok} calendar source(s) refreshed, {failed} failed.")
        if failed:
            self.stderr.write("Failed sources keep their last busy blocks; see their last error in the admin.")
