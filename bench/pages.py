"""Page benchmark under gunicorn on the scale database (a script, not a test; issue #8).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pronexis_bench .venv/bin/python bench/pages.py [rounds] [--switched]

Needs the data of bench/seed_scale.py. Starts gunicorn (2 workers, `pronexis.wsgi`, DEBUG=0,
settings `bench.settings` with BENCH_FLOOR=1 so `/bench/floor/` exists; Celery tasks go to
Redis db 9 — nothing consumes them, the queue is emptied at the end), logs in as the owner of
the 100k-lead and of the 10k-lead tenant, and measures for each page the median and p95 of
the server time (the `Server-Timing: total;dur=…` header) and of the client latency
(requests, keep-alive). Rounds interleave the pages, so a noisy neighbour on the shared
machine hits all pages alike. Each page's median is divided by the FLOOR's median of the same
run and tenant: a bare authenticated view rendering a tiny template through the same
middleware. Prints markdown tables.

The deep Leads page is the page reached after 1,000 cursor steps of 50 (position 50,000); the
cursor is built exactly as the view builds it (`pronexis.web.encode_cursor`), and checked
against the view's own "next" link for the first step. The 10k-lead tenant has only 200 pages:
its deep page is its last page.
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pronexis_bench")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ["DEBUG"] = "0"
os.environ["SECURE_SSL_REDIRECT"] = "false"
os.environ["SECURE_COOKIES"] = "false"
os.environ["BENCH_FLOOR"] = "1"
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Production settings (DEBUG=0) refuse to start without these; nothing here reaches a provider.
for _secret in ("TWILIO_AUTH_TOKEN", "ANYMAIL_WEBHOOK_SECRET", "MAILGUN_WEBHOOK_SIGNING_KEY"):
    os.environ.setdefault(_secret, "bench-only-" + "s" * 32)

PORT = int(os.environ.get("BENCH_PORT", "8765"))
BASE = f"http://127.0.0.1:{PORT}"
ARGS = [a for a in sys.argv[1:] if not a.startswith("--")] if __name__ == "__main__" else []
ROUNDS = int(ARGS[0]) if ARGS else 30
# --switched: the owner picks their Location in the header switcher first (session choice), so
# every page is scoped with `location_id = <id>` on top of the membership subquery.
SWITCHED = __name__ == "__main__" and "--switched" in sys.argv
WARMUP = 3
DEEP_STEPS = 1000
# Users who see several Locations and have not picked one (bench/bench_users.py, the seed's agent).
ALL_MY_LOCATIONS = {
    "brand user, 50 Locations": "bench-brand@example.test",
    "agent, 1,000 Locations": "bench-agent@example.test",
}
SERVER_TIMING = re.compile(r"total;dur=([\d.]+)")


def setup_django():
    import django

    django.setup()


def tenant_facts(email: str) -> dict:
    """Ids the pages need, read once through the ORM."""
    from accounts.models import Membership
    from leads.models import Lead
    from leads.views import PAGE_SIZE
    from pronexis.web import encode_cursor

    location = Membership.objects.get(user__email=email, role="owner").location
    leads = Lead.objects.filter(location=location).order_by("-created_at", "-id")
    total = leads.count()
    position = min(DEEP_STEPS * PAGE_SIZE, (total - 1) // PAGE_SIZE * PAGE_SIZE)
    deep_anchor = leads[position - 1]  # the last lead of the previous page: the cursor points after it
    first_anchor = leads[PAGE_SIZE - 1]
    detail = (
        Lead.objects.filter(location=location, status="converted", sms_messages__isnull=False, calls__isnull=False)
        .order_by("-created_at")
        .first()
    )
    return {
        "location": location,
        "leads": total,
        "deep_steps": position // PAGE_SIZE,
        "deep_cursor": encode_cursor(deep_anchor.created_at, deep_anchor.pk),
        "first_cursor": encode_cursor(first_anchor.created_at, first_anchor.pk),
        "detail": detail.pk,
    }


def issue_agent_token() -> str:
    from accounts.models import ApiToken, User

    agent = User.objects.get(email="bench-agent@example.test")
    ApiToken.objects.filter(user=agent, name="bench pages").update(revoked_at="2000-01-01T00:00:00Z")
    return ApiToken.issue(user=agent, name="bench pages", scope="agent")[1]


def start_gunicorn() -> subprocess.Popen:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, check=True, env=os.environ
    )
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "pronexis.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=os.environ,
        start_new_session=True,
    )
    for _ in range(300):
        try:
            requests.get(f"{BASE}/healthz/", timeout=5)
            return process
        except requests.RequestException:
            time.sleep(0.2)
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not start")


def login(email: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{BASE}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{BASE}/accounts/login/",
        data={"username": email, "password": "bench-password-1", "csrfmiddlewaretoken": token},
        headers={"Referer": f"{BASE}/accounts/login/"},
        allow_redirects=False,
    )
    assert response.status_code == 302, f"login of {email} failed: {response.status_code}"
    return session


def switch_to(session: requests.Session, location_id: int) -> None:
    token = session.cookies["csrftoken"]
    response = session.post(
        f"{BASE}/switch-location/",
        data={"location": location_id, "csrfmiddlewaretoken": token, "next": "/dashboard/"},
        headers={"Referer": f"{BASE}/dashboard/"},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.status_code


def check_cursor(session: requests.Session, facts: dict) -> None:
    """The view's own next link from page 1 equals the cursor built the view's way."""
    page = session.get(f"{BASE}/leads/").text
    found = re.search(r"after=([A-Za-z0-9_\-]+)", page)
    assert found and found.group(1) == facts["first_cursor"], (found and found.group(1), facts["first_cursor"])


def plan(facts: dict, session: requests.Session, token: str):
    """(name, callable → response) for every measured page of one tenant."""
    loc = facts["location"]
    today = loc.local_now().date()
    slots_query = f"start={today.isoformat()}&end={(today + timedelta(days=60)).isoformat()}"
    api = {"Authorization": f"Token {token}"}

    def capture():
        tag = uuid.uuid4().hex[:12]
        digits = int(tag[:7], 16) % 8_000_000 + 2_000_000
        body = {
            "first_name": "Bench",
            "last_name": tag,
            "phone": f"+1917{digits}",
            "email": f"{tag}@bench.example.com",
            "postal_code": loc.postal_code,
            "service": "Repair",
            "source": "api",
            "location": loc.pk,
        }
        return requests.post(f"{BASE}/api/v1/leads/", json=body, headers=api)

    get = session.get
    return [
        ("floor", lambda: get(f"{BASE}/bench/floor/")),
        ("dashboard", lambda: get(f"{BASE}/dashboard/")),
        ("leads, first page", lambda: get(f"{BASE}/leads/")),
        (f"leads, deep page ({facts['deep_steps']} steps)", lambda: get(f"{BASE}/leads/?after={facts['deep_cursor']}")),
        ("lead detail", lambda: get(f"{BASE}/leads/{facts['detail']}/")),
        ("calendar week", lambda: get(f"{BASE}/calendar/")),
        ("messages inbox", lambda: get(f"{BASE}/messages/")),
        ("slots API, 60 days", lambda: get(f"{BASE}/api/v1/locations/{loc.pk}/slots/?{slots_query}")),
        ("lead capture API", capture),
    ]


def measure(pages) -> dict:
    samples = {name: ([], []) for name, _ in pages}
    for round_ in range(WARMUP + ROUNDS):
        for name, call in pages:
            started = time.perf_counter()
            response = call()
            client_ms = (time.perf_counter() - started) * 1000
            assert response.status_code in (200, 201), f"{name}: {response.status_code} {response.text[:300]}"
            if round_ >= WARMUP:
                samples[name][0].append(float(SERVER_TIMING.search(response.headers["Server-Timing"]).group(1)))
                samples[name][1].append(client_ms)
    return samples


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def main() -> None:
    setup_django()
    import redis

    from accounts.models import User

    big_label = "1m" if User.objects.filter(email="bench-1m@example.test").exists() else "100k"  # the 10M set
    tenants = {
        big_label: tenant_facts(f"bench-{big_label}@example.test"),
        "10k": tenant_facts("bench-10k@example.test"),
    }
    token = issue_agent_token()
    from django.db import connection

    connection.close()
    results, wide = {}, {}
    server = start_gunicorn()
    try:
        for label, facts in tenants.items():
            session = login(f"bench-{label}@example.test")
            if SWITCHED:
                switch_to(session, facts["location"].pk)
            check_cursor(session, facts)
            results[label] = measure(plan(facts, session, token))
            print(f"measured the {label} tenant ({facts['leads']:,} leads)", file=sys.stderr)
        for label, email in ALL_MY_LOCATIONS.items():  # several Locations, no Location picked
            session = login(email)
            get = session.get
            wide[label] = measure(
                [
                    ("floor", lambda get=get: get(f"{BASE}/bench/floor/")),
                    ("leads, first page", lambda get=get: get(f"{BASE}/leads/")),
                ]
            )
            print(f"measured {label}", file=sys.stderr)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()

    mode = "switcher set to the Location" if SWITCHED else "switcher on “All my locations” (the default)"
    print(f"\n{ROUNDS} rounds after {WARMUP} warm-up rounds, {mode}; times in ms; ratio = median / floor median\n")
    for label, samples in results.items():
        floor_server = statistics.median(samples["floor"][0])
        floor_client = statistics.median(samples["floor"][1])
        print(f"### {label}-lead tenant ({tenants[label]['leads']:,} leads)\n")
        print("| page | server median | server p95 | client median | client p95 | ratio to floor (server) | (client) |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, (server_ms, client_ms) in samples.items():
            print(
                f"| {name} | {statistics.median(server_ms):.1f} | {p95(server_ms):.1f} "
                f"| {statistics.median(client_ms):.1f} | {p95(client_ms):.1f} "
                f"| {statistics.median(server_ms) / floor_server:.2f} "
                f"| {statistics.median(client_ms) / floor_client:.2f} |"
            )
        print()
    print(f"### {big_label} / 10k and deep / first (server medians)\n")
    print(f"| page | {big_label} / 10k |")
    print("|---|---:|")
    big, small = results[big_label], results["10k"]
    for (name, (server_big, _)), (_, (server_small, _)) in zip(big.items(), small.items(), strict=True):
        print(f"| {name.split(' (')[0]} | {statistics.median(server_big) / statistics.median(server_small):.2f} |")
    print()
    for label, samples in results.items():
        names = list(samples)
        first, deep = samples[names[2]][0], samples[names[3]][0]
        print(f"deep / first page, {label} tenant: {statistics.median(deep) / statistics.median(first):.2f}")
    owner = statistics.median(results[big_label]["leads, first page"][0])
    print(f"\n### All my locations: leads, first page (server medians) vs the one-Location owner ({big_label})\n")
    print("| user | floor | leads, first page | ratio to floor | ratio to the owner's |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| owner of one Location ({big_label}) | {statistics.median(results[big_label]['floor'][0]):.1f}"
        f" | {owner:.1f} | - | 1.00 |"
    )
    for label, samples in wide.items():
        floor, leads = statistics.median(samples["floor"][0]), statistics.median(samples["leads, first page"][0])
        print(f"| {label} | {floor:.1f} | {leads:.1f} | {leads / floor:.2f} | {leads / owner:.2f} |")


if __name__ == "__main__":
    main()
