"""Benchmark: `GET /api/v1/locations/{id}/slots/` over 60 days on the shared benchmark calendar
(`../shared/bench/slots_calendar.json`: weekdays 07:00–21:00 New York, 1,000 bookings of 30
minutes), called with an agent's API token (issue #17: ≤ 5 ms median, ≤ 4 queries).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<any migrated db> .venv/bin/python bench/slots_api.py [runs]

The calendar is loaded into a new Location (slot length 30 minutes, no buffer, no minimum notice,
one meeting type) inside a transaction that is rolled back at the end. Each request goes through
the whole middleware and DRF stack in-process (Django's test client: no network); the time is the
server's own `Server-Timing: total`, the query count is every query of the request. Prints the
median, p95, the number of slots and of queries.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
from datetime import datetime, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pronexis_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pronexis.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
os.environ["DEBUG"] = "0"
os.environ["SECURE_SSL_REDIRECT"] = "false"
os.environ.setdefault("LOG_LEVEL", "WARNING")
# The token's throttle still runs (one Redis round trip), at a rate the benchmark stays under.
os.environ["API_THROTTLE_TOKEN_RATE"] = "1000000/minute"
for _secret in ("TWILIO_AUTH_TOKEN", "ANYMAIL_WEBHOOK_SECRET", "MAILGUN_WEBHOOK_SIGNING_KEY"):
    os.environ.setdefault(_secret, "bench-only-" + "s" * 32)
CALENDAR = ROOT.parent / "shared" / "bench" / "slots_calendar.json"
WARMUP = 5


class Rollback(Exception):
    pass


def load_calendar(data: dict):
    """A Location, an agent with an API token, windows and bookings of the benchmark calendar."""
    from zoneinfo import ZoneInfo

    from accounts.models import ApiToken, hash_token_key
    from calendars.models import Appointment, AvailabilityWindow
    from tests.factories import LeadFactory, LocationFactory, make_agent

    zone = ZoneInfo(data["timezone"])
    location = LocationFactory(
        time_zone=data["timezone"],
        meeting_types=["office"],
        slot_minutes=data["appointment_minutes"],
        buffer_minutes=0,
        minimum_notice_minutes=0,
    )
    opens, closes = (time.fromisoformat(data[k]) for k in ("opens", "closes"))
    AvailabilityWindow.objects.bulk_create(
        AvailabilityWindow(
            location=location, weekday=iso - 1, start_time=opens, end_time=closes, meeting_types=["office"]
        )
        for iso in data["weekdays"]
    )
    lead = LeadFactory(location=location)
    length = timedelta(minutes=data["appointment_minutes"])
    Appointment.objects.bulk_create(
        Appointment(
            location=location,
            lead=lead,
            start=(start := datetime.fromisoformat(at).replace(tzinfo=zone)),
            end=start + length,
            meeting_type="office",
        )
        for at in data["bookings"]
    )
    key = "bench-slots-" + "k" * 32
    ApiToken.objects.create(
        name="bench", user=make_agent(), scope=ApiToken.Scope.AGENT, prefix=key[:8], key_hash=hash_token_key(key)
    )
    return location, key


def main(runs: int = 200) -> None:
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    data = json.loads(CALENDAR.read_text())
    first = datetime.fromisoformat(data["first_day"]).date()
    url_query = f"start={first.isoformat()}&end={(first + timedelta(days=data['days'])).isoformat()}"
    try:
        with transaction.atomic():
            location, key = load_calendar(data)
            client = Client(HTTP_AUTHORIZATION=f"Token {key}")
            url = f"/api/v1/locations/{location.pk}/slots/?{url_query}"
            timings, queries, slots = [], 0, 0
            for i in range(WARMUP + runs):
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(url)
                assert response.status_code == 200, (response.status_code, response.headers, response.content[:300])
                if i >= WARMUP:
                    timings.append(float(re.search(r"total;dur=([\d.]+)", response["Server-Timing"]).group(1)))
                queries, slots = len(captured), len(response.json())
            timings.sort()
            print(
                f"slots API, 60 days, benchmark calendar ({len(data['bookings'])} bookings): {slots} slots, "
                f"{queries} queries; server median {statistics.median(timings):.2f} ms, "
                f"p95 {timings[int(len(timings) * 0.95) - 1]:.2f} ms over {runs} requests"
            )
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
