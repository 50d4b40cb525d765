"""`manage.py rebuild_rollups [--location ID …]`: the dashboard's daily rollups from the live rows."""

from django.core.management.base import BaseCommand

from portal.rollups import rollups_rebuild


class Command(BaseCommand):
    help = "Rebuild the per-Location daily rollups (dashboard month, 90-day chart) from the live rows."

    def add_arguments(self, parser):
        parser.add_argument("--location", type=int, action="append", dest="locations", help="only this Location id")

    def handle(self, *args, locations=None, **options):
        rows = rollups_rebuild(location_ids=locations)
        self.stdout.write(f"{rows} daily rollup rows rebuilt")
