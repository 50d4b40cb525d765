"""`manage.py vapid_keys`: a VAPID key pair for Web Push.

Without options it prints the three settings as environment lines, for production's secrets.
`--development` (run by `make run`) writes the pair once to VAPID_DEVELOPMENT_KEYS_FILE (under
.data/), where DEBUG settings read it: kept across runs, so a browser subscribed yesterday still
receives today's pushes. Production refuses that pair (pronexis.checks, E002)."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand

from pronexis.vapid import generate_vapid_keys

DEVELOPMENT_CLAIMS_EMAIL = "dev-push@pronexis.test"


class Command(BaseCommand):
    help = "Make a VAPID key pair for Web Push (--development: once, into .data/ for make run)."

    def add_arguments(self, parser):
        parser.add_argument("--development", action="store_true", help="Write the development pair if missing.")

    def handle(self, *args, development: bool = False, **options):
        if not development:
            keys = generate_vapid_keys()
            self.stdout.write(f"VAPID_PUBLIC_KEY={keys['public_key']}")
            self.stdout.write(f"VAPID_PRIVATE_KEY={keys['private_key']}")
            self.stdout.write("VAPID_CLAIMS_EMAIL=operations@your-domain.example")
            return
        path = settings.VAPID_DEVELOPMENT_KEYS_FILE
        if path.exists():
            self.stdout.write(f"Development VAPID keys: {path} (kept)")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({**generate_vapid_keys(), "claims_email": DEVELOPMENT_CLAIMS_EMAIL}, indent=2))
        path.chmod(0o600)
        self.stdout.write(f"Development VAPID keys written to {path}")
