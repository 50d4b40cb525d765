"""Where a page's time goes: its SQL queries, slowest first, with EXPLAIN ANALYZE (a script).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pronexis_bench \
        .venv/bin/python bench/explain.py [tenant] [page...]

tenant: 100k (default) or 10k; `--switched` sets the header switcher to the Location first;
`--user=EMAIL` logs in as that user instead (e.g. bench/bench_users.py's `bench-brand@example.test`
or `bench-3loc@example.test`, on "All my locations"): the deep page is then 1,000 steps into
the leads that user sees (or their last page);
pages: names from bench/pages.py's plan (dashboard, leads,
deep, detail, calendar, inbox, slots) — all by default. Runs each page once through Django's
test client as the tenant's owner (after one warm-up call), prints every query's time, and
the plan of the slowest ones (`--plans N`, default 2); `--profile`: cProfile of 10 requests instead;
`--time=N`: the in-process median of N requests of each page and its ratio to the floor view
(quicker than bench/pages.py for trying a change; pages.py gives the figures).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pronexis_bench")
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
os.environ["DEBUG"] = "0"
os.environ["SECURE_SSL_REDIRECT"] = "false"
os.environ["BENCH_FLOOR"] = "1"


def user_deep_cursor(email: str, steps: int = 1000) -> str:
    """The cursor after `steps` pages of the leads `email` sees (their last page if fewer)."""
    from accounts.models import User
    from leads.models import Lead
    from leads.views import PAGE_SIZE
    from pronexis.web import encode_cursor

    leads = Lead.objects.visible_to(User.objects.get(email=email)).order_by("-created_at", "-id")
    position = min(steps * PAGE_SIZE, (leads.count() - 1) // PAGE_SIZE * PAGE_SIZE)
    anchor = leads[position - 1]
    return encode_cursor(anchor.created_at, anchor.pk)


def profile(call, runs: int = 10) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        call()
    profiler.disable()
    stats = pstats.Stats(profiler)
    if os.environ.get("PROFILE_CALLEES"):  # e.g. PROFILE_CALLEES=dashboard
        stats.sort_stats("cumulative").print_callees(os.environ["PROFILE_CALLEES"])
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(45)


def timed(client, url: str) -> float:
    started = time.perf_counter()
    client.get(url)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.pages import tenant_facts

    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    plans = int(next((a.split("=")[1] for a in sys.argv[1:] if a.startswith("--plans=")), "2"))
    label = args.pop(0) if args and args[0] in ("1m", "100k", "10k") else "100k"
    facts = tenant_facts(f"bench-{label}@example.test")
    loc = facts["location"]
    email = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--user=")), f"bench-{label}@example.test")
    if "--user=" in " ".join(sys.argv):
        facts["deep_cursor"] = user_deep_cursor(email)
    today = loc.local_now().date()
    pages = {
        "floor": "/bench/floor/",
        "dashboard": "/dashboard/",
        "leads": "/leads/",
        "deep": f"/leads/?after={facts['deep_cursor']}",
        "detail": f"/leads/{facts['detail']}/",
        "calendar": "/calendar/",
        "inbox": "/messages/",
        "slots": f"/api/v1/locations/{loc.pk}/slots/?start={today}&end={today + timedelta(days=60)}",
    }
    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=email))
    if "--switched" in sys.argv:  # the header switcher set to the tenant's Location
        from accounts.scoping import SESSION_KEY

        session = client.session
        session[SESSION_KEY] = loc.pk
        session.save()
    runs = int(next((a.split("=")[1] for a in sys.argv[1:] if a.startswith("--time=")), "0"))
    medians: dict[str, float] = {}
    names = args or list(pages)
    if runs and "floor" not in names:
        names.insert(0, "floor")
    for name in names:
        url = pages[name]
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            total = (time.perf_counter() - started) * 1000
        sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        print(
            f"\n## {name} {url} → {response.status_code}: {total:.1f} ms, {len(queries)} queries, {sql_ms:.1f} ms SQL"
        )
        if runs:  # --time=N: in-process median of N requests, and its ratio to the floor's
            medians[name] = statistics.median(timed(client, url) for _ in range(runs))
            ratio = f", {medians[name] / medians['floor']:.1f} x floor" if "floor" in medians else ""
            print(f"   median of {runs}: {medians[name]:.2f} ms{ratio}")
            continue
        if "--profile" in sys.argv:  # where the Python time goes: 10 requests under cProfile
            profile(lambda url=url: client.get(url))
            continue
        ranked = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))
        for q in ranked:
            print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:220]}")
        for q in ranked[:plans]:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + q["sql"])
                print("\n  " + q["sql"][:2000] + "\n")
                print("\n".join("    " + row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
