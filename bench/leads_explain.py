"""EXPLAIN ANALYZE of the Leads list page's queries on a 1M-lead table (a script, not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pronexis_leads_bench .venv/bin/python bench/leads_explain.py

Creates the database if missing, migrates it, fills 1,000,000 leads over 100 Locations with one
INSERT ... SELECT generate_series (skipped when already filled), rebuilds the status counters,
ANALYZEs, then prints the plans of the exact querysets the page runs for an owner of one
Location: the status tab's first cursor page, the next cursor page, the counters and a
trigram search.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pronexis_leads_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pronexis.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "localhost")

LEADS = int(os.environ.get("BENCH_LEADS", "1000000"))
LOCATIONS = 100


def ensure_database(url: str) -> None:
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    conn = psycopg2.connect(dbname="postgres", user=parsed.username, host=parsed.hostname, port=parsed.port or 5432)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def fill() -> None:
    from django.db import connection

    from accounts.models import Brand, Location, Membership, User

    brand, _ = Brand.objects.get_or_create(name="Bench brand")
    existing = Location.objects.filter(brand=brand).count()
    Location.objects.bulk_create(
        Location(brand=brand, name=f"Bench {i:03d}", time_zone="America/New_York") for i in range(existing, LOCATIONS)
    )
    owner, _ = User.objects.get_or_create(email="bench-owner@example.test")
    first = Location.objects.filter(brand=brand).order_by("id").first()
    Membership.objects.get_or_create(user=owner, location=first, defaults={"role": "owner"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM leads_lead")
        have = cursor.fetchone()[0]
        if have >= LEADS:
            print(f"# {have:,} leads already there")
            return
        started = time.monotonic()
        cursor.execute(
            """
            WITH locs AS (SELECT array_agg(id ORDER BY id) AS ids FROM accounts_location WHERE brand_id = %(brand)s)
            INSERT INTO leads_lead (
                brand_id, location_id, first_name, last_name, phone, email, address, postal_code,
                service_name, source, external_id, capture_fingerprint, notes, test, status, reason,
                sms_opted_out, contact_position, created_at, updated_at
            )
            SELECT %(brand)s,
                   locs.ids[1 + (g %% %(n_locs)s)],
                   (ARRAY['Ana','Ben','Carla','Dev','Elena','Femi','Grace','Hugo','Iris','Jon','Kara','Luis'])
                       [1 + (g * 7) %% 12]
                       || CASE WHEN g %% 97 = 0 THEN 'lyn' ELSE '' END,
                   (ARRAY['Alvarez','Brooks','Chen','Diaz','Evans','Fischer','Garcia','Haddad','Ito','Jones'])
                       [1 + (g * 13) %% 10]
                       || (g %% 1000)::text,
                   '+1347' || lpad(((g * 7919) %% 10000000)::text, 7, '0'),
                   'lead' || g || '@example.com',
                   g || ' Bench Street', '11201', 'Companion care',
                   (ARRAY['phone','online','sms','api'])[1 + g %% 4],
                   '', '', '', false,
                   (ARRAY['converted','bad_lead','cancelled','test_lead','in_process','not_converted','owner_action',
                          'services_unavailable','converted','in_process'])[1 + ((g / %(n_locs)s) * 31) %% 10],
                   '', false, 0,
                   now() - make_interval(secs => (g * 7.3) %% (365 * 86400)),
                   now() - make_interval(secs => (g * 3.1) %% (365 * 86400))
            FROM generate_series(%(start)s::bigint, %(stop)s::bigint) AS g, locs
            """,
            {"brand": brand.pk, "n_locs": LOCATIONS, "start": have + 1, "stop": LEADS},
        )
        cursor.execute("DELETE FROM leads_leadstatuscount")
        cursor.execute(
            """INSERT INTO leads_leadstatuscount (brand_id, location_id, status, count)
               SELECT brand_id, location_id, status, count(*) FROM leads_lead GROUP BY 1, 2, 3"""
        )
        cursor.execute("ANALYZE leads_lead")
        cursor.execute("ANALYZE leads_leadstatuscount")
        print(f"# filled {LEADS - have:,} leads in {time.monotonic() - started:.1f} s")


def explain(title: str, queryset) -> None:
    print(f"\n## {title}\n")
    print(queryset.explain(analyze=True, buffers=True))


def main() -> None:
    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    fill()

    from django.db.models import Q

    from accounts.models import Location, User
    from leads.models import Lead, LeadStatusCount
    from leads.selectors import lead_search

    owner = User.objects.get(email="bench-owner@example.test")
    location = Location.objects.filter(brand__name="Bench brand").order_by("id").first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM leads_lead")
        total = cursor.fetchone()[0]
    per_location = Lead.objects.filter(location=location).count()
    print(f"# {total:,} leads; {per_location:,} at the owner's Location {location.pk}")

    # Exactly what leads.views.lead_list runs (switcher on the owner's Location, tab in_process).
    scoped = Lead.objects.visible_to(owner).filter(location_id=location.pk)
    page = scoped.filter(status="in_process").select_related("location").order_by("-created_at", "-id")
    explain("Status tab in_process, first cursor page (51 rows)", page[:51])
    rows = list(page[:51])
    if rows:
        last = rows[-1]
        after = page.filter(Q(created_at__lt=last.created_at) | Q(id__lt=last.pk), created_at__lte=last.created_at)
        explain("Status tab in_process, next cursor page", after[:51])
    all_tab = scoped.select_related("location").order_by("-created_at", "-id")
    explain("All tab, first page", all_tab[:51])
    from accounts.scoping import visible_location_ids
    from leads.selectors import status_counts  # noqa: F401  (the query below is its body)

    counts = (
        LeadStatusCount.objects.filter(location_id__in=visible_location_ids(owner))
        .filter(location_id=location.pk)
        .values("status")
        .annotate(total=__import__("django.db.models", fromlist=["Sum"]).Sum("count"))
    )
    explain("Status tab counts (counters)", counts)
    explain("Search 'lyn' (trigram GIN), first page", lead_search(scoped, "lyn").order_by("-created_at", "-id")[:51])
    explain(
        "Search 'Chen42' across the whole brand (staff view), first page",
        lead_search(Lead.objects.all(), "Chen42").order_by("-created_at", "-id")[:51],
    )
    explain(
        "Search phone digits '3475550' at one Location",
        lead_search(scoped, "347-5550").order_by("-created_at", "-id")[:51],
    )


if __name__ == "__main__":
    main()
