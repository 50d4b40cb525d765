"""Bench users who see several Locations on "All my locations" (idempotent; run after seed_scale.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pronexis_bench .venv/bin/python bench/bench_users.py

- `bench-brand@example.test`: brand leadership (BrandMembership) of the second brand — its 50
  Locations (~44k leads) plus its 500 brand-only leads (location NULL).
- `bench-3loc@example.test`: owner of three Locations — the big (100k or 1M) and 10k-lead tenants' and
  one ordinary Location (~111k leads).
Password `bench-password-1` (as bench/seed_scale.py). Running it again changes nothing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pronexis_bench")
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)

PASSWORD = "bench-password-1"
BRAND_EMAIL = "bench-brand@example.test"
THREE_EMAIL = "bench-3loc@example.test"


def main() -> None:
    import django

    django.setup()
    add_users()


def add_users() -> None:
    """The users above (bench/seed_scale.py calls this at the end of a fill)."""
    from django.db import transaction

    from accounts.models import Brand, BrandMembership, Location, Membership, User

    with transaction.atomic():
        brand = Brand.objects.order_by("id")[1]
        brand_user = User.objects.filter(email=BRAND_EMAIL).first()
        if brand_user is None:
            brand_user = User.objects.create_user(BRAND_EMAIL, PASSWORD, full_name="Bench Brand Leadership")
        BrandMembership.objects.get_or_create(user=brand_user, brand=brand)

        three = User.objects.filter(email=THREE_EMAIL).first()
        if three is None:
            three = User.objects.create_user(THREE_EMAIL, PASSWORD, full_name="Bench Owner of 3")
        big_owners = ["bench-100k@example.test", "bench-1m@example.test"]  # the 1M and the 10M set
        big = Membership.objects.get(user__email__in=big_owners, role="owner").location_id
        small = Membership.objects.get(user__email="bench-10k@example.test", role="owner").location_id
        other = Location.objects.exclude(id__in=[big, small]).order_by("id").values_list("id", flat=True)[0]
        for location_id in (big, small, other):
            Membership.objects.get_or_create(user=three, location_id=location_id, defaults={"role": "owner"})
    print(f"{BRAND_EMAIL}: brand {brand.pk} ({brand.name}), {Location.objects.filter(brand=brand).count()} Locations")
    print(f"{THREE_EMAIL}: owner of Locations {big}, {small}, {other}")


if __name__ == "__main__":
    main()
