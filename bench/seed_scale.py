"""Fills a benchmark database at scale (a script, not a test; issue #8).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pronexis_bench .venv/bin/python bench/seed_scale.py [--reset]

Creates the database if missing, migrates it, then fills: 20 brands × 50 = 1,000 Locations,
1,000,000 leads (with their status history and per-Location status counters), ~200,000
appointments, 20,000 conflicts, ~200,000 notifications, calls, office messages and SMS threads.
Two tenants are the benchmark's: `bench-100k@example.test` (a New York Location with 100,000
leads) and `bench-10k@example.test` (a Denver Location with 10,000), password
`bench-password-1`; `bench-agent@example.test` is an agent (same password).

How it stays fast: small tables through the ORM, big ones through COPY (text format, generated
rows streamed from Python) with explicit ids, with the big tables' secondary indexes dropped
during the load and rebuilt after, and FK triggers off for the session
(`session_replication_role = replica`; every id is generated consistent). Then sequences are
moved past the ids used, the status counters (leads.LeadStatusCount) and the appointment day
versions (calendars.AppointmentDayVersion) are rebuilt with one GROUP BY each, and VACUUM
ANALYZE runs. Booked appointments of a Location sit on a grid of
non-overlapping hours (the exclusion constraint stays on during the load).

Already seeded → prints the counts and exits; `--reset` drops and recreates the database.
`--leads N` (issue #17): N leads instead of 1M; from 10M the tenants are `bench-1m@example.test`
(1,000,000 leads) and `bench-10k@example.test`. Columns added to the models after this script was
written get their model default during the load. The fill ends with the daily rollups
(`portal.rollups.rollups_rebuild`) and the users of bench/bench_users.py.
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pronexis_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pronexis.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1")

BRANDS = 20
LOCATIONS_PER_BRAND = 50


def _leads_argument() -> int:
    for k, arg in enumerate(sys.argv):
        if arg.startswith("--leads="):
            return int(arg.split("=", 1)[1].replace("_", ""))
        if arg == "--leads" and k + 1 < len(sys.argv):
            return int(sys.argv[k + 1].replace("_", ""))
    return int(os.environ.get("BENCH_LEADS", "1000000"))


TOTAL_LEADS = _leads_argument()
# The two benchmark tenants: 100k + 10k in the 1M set, 1M + 10k from 10M leads up (issue #17).
# (Below 1M, a smoke-test set: a tenth and a hundredth.)
BIG, SMALL = (1_000_000 if TOTAL_LEADS >= 10_000_000 else 100_000), 10_000
if TOTAL_LEADS < 1_000_000:
    BIG, SMALL = TOTAL_LEADS // 10, TOTAL_LEADS // 100
BIG_LABEL = "1m" if BIG == 1_000_000 else "100k"
BRAND_ONLY_PER_BRAND = 500  # leads no area covered (location NULL)
DAYS = 730  # leads spread over two years
PASSWORD = "bench-password-1"
BIG_EMAIL, SMALL_EMAIL, AGENT_EMAIL = (
    f"bench-{BIG_LABEL}@example.test",
    "bench-10k@example.test",
    "bench-agent@example.test",
)
BRAND_NAME = "Scale Brand {:02d}"
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles"]
AREA_CODES = ["212", "303", "415", "602", "718", "720", "917", "646", "312", "213"]
FIRST = ["Ana", "Ben", "Carla", "Dev", "Eli", "Fatima", "Greg", "Hana", "Ivan", "Jo", "Kofi", "Lena", "Mo", "Nia"]
LAST = ["Smith", "Garcia", "Nguyen", "Okafor", "Rossi", "Kim", "Müller", "Silva", "Cohen", "Patel", "Brown", "Lee"]
SERVICES = ["Consultation", "Installation", "Repair", "Maintenance", "Estimate"]
TYPES = ["office", "phone", "client_home", "video"]

T0 = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - T0:7.1f}s] {message}", flush=True)


def ensure_database(url: str, reset: bool) -> None:
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    conn = psycopg2.connect(dbname="postgres", user=parsed.username, host=parsed.hostname, port=parsed.port or 5432)
    conn.autocommit = True
    with conn.cursor() as cursor:
        if reset:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


# --- COPY plumbing ---------------------------------------------------------------------------
class RowStream:
    """A file-like object over an iterator of tuples, for copy_expert (text format)."""

    def __init__(self, rows):
        self.rows = iter(rows)
        self.buffer = ""

    def _line(self, row) -> str:
        return "\t".join(r"\N" if v is None else _text(v) for v in row) + "\n"

    def read(self, size=-1):
        chunks, length = [self.buffer], len(self.buffer)
        for row in self.rows:
            line = self._line(row)
            chunks.append(line)
            length += len(line)
            if size > 0 and length >= size:
                break
        data = "".join(chunks)
        if size > 0:
            data, self.buffer = data[:size], data[size:]
        else:
            self.buffer = ""
        return data

    readline = read


def _text(value) -> str:
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, list):
        return "{" + ",".join(value) + "}"
    return str(value)


def _model_defaults(cursor, table: str, columns: list[str]) -> list[str]:
    """Columns added since this script was written get their model default for the load (a
    temporary column DEFAULT), so a new NOT NULL field does not break the seed; returns them."""
    from django.apps import apps
    from django.db import connection

    model = next((m for m in apps.get_models() if m._meta.db_table == table), None)
    listed = {c.strip('"') for c in columns}
    added = []
    for field in model._meta.concrete_fields if model else []:
        if field.column in listed or field.primary_key or field.null:
            continue
        default = field.get_default()  # "" for a text field without a default
        if default is None:
            continue
        value = field.get_db_prep_save(default, connection)
        cursor.execute(f'ALTER TABLE {table} ALTER COLUMN "{field.column}" SET DEFAULT %s', [value])
        added.append(field.column)
    return added


def copy(cursor, table: str, columns: list[str], rows) -> None:
    started = time.perf_counter()
    defaults = _model_defaults(cursor, table, columns)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", RowStream(rows), size=1 << 18)
    copied = cursor.rowcount
    for column in defaults:
        cursor.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" DROP DEFAULT')
    log(f"  COPY {table}: {copied:,} rows in {time.perf_counter() - started:.1f}s")


def drop_secondary_indexes(cursor, table: str) -> list[str]:
    """Drops indexes that back no constraint; returns their CREATE statements."""
    cursor.execute(
        """SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s
           AND indexname NOT IN (SELECT conname FROM pg_constraint)""",
        [table],
    )
    found = cursor.fetchall()
    for name, _ in found:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in found]


# --- the fill ---------------------------------------------------------------------------------
def main() -> None:
    reset = "--reset" in sys.argv
    ensure_database(os.environ["DATABASE_URL"], reset)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    log("migrated")
    from accounts.models import Brand
    from leads.models import Lead

    if Brand.objects.filter(name=BRAND_NAME.format(1)).exists():
        log(f"already seeded: {Lead.objects.count():,} leads (use --reset to start again)")
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM leads_lead")
        if cursor.fetchone()[0]:
            sys.exit("The database has leads that are not the benchmark's: use a fresh database or --reset.")
    fill()
    from bench.bench_users import add_users
    from portal.rollups import rollups_rebuild

    started = time.perf_counter()
    rows = rollups_rebuild()
    log(f"{rows:,} daily rollups rebuilt in {time.perf_counter() - started:.1f}s")
    add_users()
    log("done")


def fill() -> None:  # noqa: C901 — one linear script
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import AGENTS_GROUP, Area, AreaPostalCode, Brand, Location, LocationPhoneNumber, Service, User
    from calendars.models import Appointment, AvailabilityWindow
    from leads.models import ContactStep
    from messaging.models import OfficeMessage

    rng = random.Random(8)
    now = timezone.now().replace(second=0, microsecond=0)

    # --- small tables through the ORM ------------------------------------------------------
    with transaction.atomic():
        brands = Brand.objects.bulk_create(
            Brand(name=BRAND_NAME.format(b + 1), emergency_definition="Water leak, no heat, locked out.")
            for b in range(BRANDS)
        )
        services = Service.objects.bulk_create(
            Service(brand=brand, name=name, book_anyway=name == "Estimate") for brand in brands for name in SERVICES
        )
        ContactStep.objects.bulk_create(
            ContactStep(brand=brand, position=p, kind=kind, wait_minutes=wait)
            for brand in brands
            for p, (kind, wait) in enumerate([("call", 0), ("wait", 60), ("sms_intro", 0), ("wait", 1440), ("call", 0)])
        )
        locations = Location.objects.bulk_create(
            Location(
                brand=brands[i // LOCATIONS_PER_BRAND],
                name=f"Scale {i // LOCATIONS_PER_BRAND + 1:02d}-{i % LOCATIONS_PER_BRAND + 1:02d}"
                + (f" ({BIG_LABEL.upper()} leads)" if i == 0 else " (10k leads)" if i == 1 else ""),
                address=f"{100 + i} Main Street",
                city="Springfield",
                postal_code=f"{10000 + i * 5:05d}",
                time_zone="America/New_York" if i == 0 else "America/Denver" if i == 1 else ZONES[i % len(ZONES)],
                plan=["business_hours", "twenty_four_seven", "answering_only"][0 if i < 2 else i % 3],
                back_office=f"+1{AREA_CODES[i % 10]}3{i:06d}",
                mobile=f"+1{AREA_CODES[i % 10]}4{i:06d}",
                notification_emails=[f"office{i}@example.com"],
                sms_distribution_enabled=i % 2 == 0,
                sms_distribution_list=[f"+1{AREA_CODES[i % 10]}5{i:06d}"],
                lead_sms_enabled=True,
                meeting_types=TYPES,
                slot_minutes=60,
                minimum_notice_minutes=120,
            )
            for i in range(BRANDS * LOCATIONS_PER_BRAND)
        )
        through = Location.services_offered.through
        by_brand = {}
        for service in services:
            by_brand.setdefault(service.brand_id, []).append(service)
        through.objects.bulk_create(
            through(location_id=loc.id, service_id=s.id) for loc in locations for s in by_brand[loc.brand_id][:4]
        )
        LocationPhoneNumber.objects.bulk_create(
            LocationPhoneNumber(location=loc, number=f"+1{AREA_CODES[i % 10]}2{i:06d}", purpose="main", sends_sms=True)
            for i, loc in enumerate(locations)
        )
        areas = Area.objects.bulk_create(
            Area(brand_id=loc.brand_id, location=loc, name=f"Area {loc.name}") for loc in locations
        )
        AreaPostalCode.objects.bulk_create(
            AreaPostalCode(brand_id=area.brand_id, area=area, postal_code=f"{10000 + i * 5 + j:05d}")
            for i, area in enumerate(areas)
            for j in range(5)
        )
        AvailabilityWindow.objects.bulk_create(
            AvailabilityWindow(
                location=loc,
                weekday=d,
                start_time=f"{9 if d < 5 else 10}:00",
                end_time="17:00" if d < 5 else "14:00",
                meeting_types=TYPES,
            )
            for loc in locations
            for d in range(6)
        )
        agents, _ = Group.objects.get_or_create(name=AGENTS_GROUP)
        big_owner = User.objects.create_user(BIG_EMAIL, PASSWORD, full_name=f"Bench Owner {BIG_LABEL}")
        small_owner = User.objects.create_user(SMALL_EMAIL, PASSWORD, full_name="Bench Owner 10k")
        agent = User.objects.create_user(AGENT_EMAIL, PASSWORD, full_name="Bench Agent")
        agent.groups.add(agents)
    log(f"{len(brands)} brands, {len(locations)} Locations, areas, availability, users")

    # --- the leads --------------------------------------------------------------------------
    # Per Location: the two tenants, then an even split; brand-only leads last.
    n_locations = len(locations)
    rest = TOTAL_LEADS - BIG - SMALL - BRAND_ONLY_PER_BRAND * BRANDS
    per_location = [BIG, SMALL] + [
        rest // (n_locations - 2) + (1 if k < rest % (n_locations - 2) else 0) for k in range(n_locations - 2)
    ]
    span = DAYS * 86400
    raw = []  # (created_epoch_offset_seconds, location index or -1 - brand index)
    for index, count in enumerate(per_location):
        step = span / count
        raw.extend(((k + rng.random()) * step, index) for k in range(count))
    for b in range(BRANDS):
        step = span / BRAND_ONLY_PER_BRAND
        raw.extend(((k + rng.random()) * step, -1 - b) for k in range(BRAND_ONLY_PER_BRAND))
    raw.sort()  # ids follow time across all Locations, like production
    log(f"{len(raw):,} leads planned")
    start = now - timedelta(days=DAYS)
    loc_ids = [loc.id for loc in locations]
    loc_brand = [loc.brand_id for loc in locations]
    services_by_brand = {b.id: [s for s in by_brand[b.id]] for b in brands}

    n = len(raw)
    lead_loc = [0] * n  # location id or None
    lead_brand = [0] * n
    lead_created = [None] * n
    lead_status = [""] * n
    lead_phone = [""] * n
    recent = now - timedelta(days=2)
    old_weights = (
        ["converted"] * 17
        + ["cancelled"] * 3
        + ["bad_lead"] * 12
        + ["test_lead"]
        + ["in_process"] * 5
        + ["not_converted"] * 35
        + ["owner_action"] * 20
        + ["services_unavailable"] * 7
    )
    new_weights = (
        ["in_process"] * 70
        + ["owner_action"] * 10
        + ["converted"] * 10
        + ["bad_lead"] * 5
        + ["services_unavailable"] * 3
        + ["test_lead"] * 2
    )
    reasons = {
        "bad_lead": ["acs_exhausted", "fake_contact_info", "did_not_request"],
        "owner_action": ["transferred", "messaged", "booked_directly"],
        "not_converted": ["refused"],
        "services_unavailable": ["service_not_offered"],
    }
    lead_reason = [""] * n

    def lead_rows():
        for i, (offset, where) in enumerate(raw):
            lead_id = i + 1
            created = start + timedelta(seconds=offset)
            if where >= 0:
                location_id, brand_id = loc_ids[where], loc_brand[where]
                status = rng.choice(new_weights if created > recent else old_weights)
                reason = rng.choice(reasons[status]) if status in reasons else ""
                if status == "bad_lead" and created > recent:
                    reason = "duplicate"
                postal = f"{10000 + where * 5 + i % 5:05d}"
                area = AREA_CODES[where % 10]
            else:
                location_id, brand_id = None, brands[-1 - where].id
                status, reason, postal, area = "services_unavailable", "no_area", f"{90000 + i % 9999:05d}", "212"
            phone = f"+1{area}{2000000 + i % 7999999}"
            service = services_by_brand[brand_id][i % 5]
            lead_loc[i], lead_brand[i], lead_created[i] = location_id, brand_id, created
            lead_status[i], lead_phone[i], lead_reason[i] = status, phone, reason
            source = ("phone", "online", "api", "sms")[i % 4]
            in_sequence = status == "in_process"
            yield (
                lead_id,
                brand_id,
                location_id,
                FIRST[i % 14],
                LAST[(i // 14) % 12],
                phone,
                f"lead{lead_id}@example.com",
                f"{i % 900 + 1} Oak Avenue",
                postal,
                service.id,
                service.name,
                source,
                "",
                "",
                "",
                False if status != "test_lead" else True,
                status,
                reason,
                False,
                2 if in_sequence else 0,
                created + timedelta(days=1) if in_sequence and created > recent else None,
                created + timedelta(minutes=7)
                if status not in ("in_process", "bad_lead", "test_lead", "services_unavailable")
                else None,
                created,
                created + timedelta(days=3) if created + timedelta(days=3) < now else created,
            )

    lead_columns = [
        "id",
        "brand_id",
        "location_id",
        "first_name",
        "last_name",
        "phone",
        "email",
        "address",
        "postal_code",
        "service_id",
        "service_name",
        "source",
        "external_id",
        "capture_fingerprint",
        "notes",
        "test",
        "status",
        "reason",
        "sms_opted_out",
        "contact_position",
        "contact_next_run_at",
        "contacted_at",
        "created_at",
        "updated_at",
    ]

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # no FK triggers: ids are consistent
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        tables = [
            "leads_lead",
            "leads_leadstatuschange",
            "leads_callrecord",
            "calendars_appointment",
            "conflicts_conflict",
            "messaging_officemessage",
            "messaging_notification",
            "messaging_smsmessage",
            "leads_calltask",
        ]
        saved = {table: drop_secondary_indexes(cursor, table) for table in tables}
        log("secondary indexes dropped")
        copy(cursor, "leads_lead", lead_columns, lead_rows())

        # --- status history: the capture row, then the change that led to today's status ---
        def change_rows():
            cid = 0
            for i in range(n):
                lead_id, location_id, created, status = i + 1, lead_loc[i], lead_created[i], lead_status[i]
                reason = lead_reason[i]
                first = (
                    status if status in ("services_unavailable", "test_lead") or reason == "duplicate" else "in_process"
                )
                cid += 1
                yield (
                    cid,
                    "",
                    first,
                    reason if first == status else "",
                    "",
                    "system",
                    created,
                    None,
                    lead_id,
                    location_id,
                )
                if first == status:
                    continue
                later = created + timedelta(hours=2)
                if status == "cancelled":
                    cid += 1
                    yield (cid, "in_process", "converted", "", "", "system", later, None, lead_id, location_id)
                    cid += 1
                    yield (
                        cid,
                        "converted",
                        "cancelled",
                        "",
                        "",
                        "system",
                        later + timedelta(days=1),
                        None,
                        lead_id,
                        location_id,
                    )
                    continue
                kind = "system" if status in ("converted",) or reason == "acs_exhausted" else "agent"
                cid += 1
                yield (cid, "in_process", status, reason, "", kind, later, None, lead_id, location_id)

        copy(
            cursor,
            "leads_leadstatuschange",
            [
                "id",
                "from_status",
                "to_status",
                "reason",
                "note",
                "actor_kind",
                "created_at",
                "actor_id",
                "lead_id",
                "location_id",
            ],
            change_rows(),
        )

        # --- appointments: converted and cancelled leads with a Location ---------------------
        future_slots: dict[int, int] = {}
        appointment_of: list[tuple[int, int, object]] = []  # (appointment id, lead index, start)

        def appointment_rows():
            aid = 0
            grid0 = (now + timedelta(days=1)).replace(hour=14, minute=0)
            for i in range(n):
                status = lead_status[i]
                location_id = lead_loc[i]
                if status not in ("converted", "cancelled") or location_id is None:
                    continue
                aid += 1
                created = lead_created[i]
                booked_at = created + timedelta(hours=2)
                begin = (created + timedelta(days=2 + i % 7)).replace(minute=0, second=0, microsecond=0)
                if status == "converted" and begin > now:
                    k = future_slots.get(location_id, 0)
                    future_slots[location_id] = k + 1
                    begin = grid0 + timedelta(days=k // 8, hours=k % 8)
                    state = "booked"
                elif status == "cancelled":
                    state = "cancelled"
                else:
                    state = "no_show" if i % 10 == 0 else "completed"
                appointment_of.append((aid, i, begin))
                yield (
                    aid,
                    begin,
                    begin + timedelta(hours=1),
                    TYPES[i % 4],
                    f"{i % 900 + 1} Oak Avenue",
                    state,
                    False,
                    booked_at + timedelta(days=1) if state == "cancelled" else None,
                    "Client cancelled" if state == "cancelled" else "",
                    begin - timedelta(days=1) if begin < now else None,
                    booked_at,
                    booked_at,
                    None,
                    None,
                    i + 1,
                    location_id,
                    None,
                )

        copy(
            cursor,
            "calendars_appointment",
            [
                "id",
                "start",
                '"end"',
                "meeting_type",
                "address",
                "status",
                "forced",
                "cancelled_at",
                "cancel_reason",
                "reminder_sent_at",
                "created_at",
                "updated_at",
                "booked_by_id",
                "conflict_id",
                "lead_id",
                "location_id",
                "same_day_request_id",
            ],
            appointment_rows(),
        )

        # --- conflicts: one lead in 50 (pending for the last three days) --------------------
        pending_since = now - timedelta(days=3)

        def conflict_rows():
            cid = 0
            for i in range(0, n, 50):
                location_id = lead_loc[i]
                if location_id is None:
                    continue
                cid += 1
                created = lead_created[i]
                requested = (created + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
                if created > pending_since:
                    status = decision = channel = ""
                    status, responded = "pending", None
                else:
                    decision = ("approve", "decline", "alternate")[cid % 3]
                    status, responded = "closed", created + timedelta(hours=3)
                    channel = ("action_center", "email_link", "email_reply", "sms_link")[cid % 4]
                alternate = requested + timedelta(days=1) if decision == "alternate" else None
                yield (
                    cid,
                    ("schedule", "location")[cid % 2],
                    requested,
                    requested + timedelta(hours=1),
                    TYPES[cid % 4],
                    "",
                    "Prefers evenings",
                    status,
                    decision,
                    "",
                    alternate,
                    alternate + timedelta(hours=1) if alternate else None,
                    TYPES[(cid + 1) % 4] if alternate else "",
                    responded,
                    channel,
                    created,
                    0,
                    None,
                    responded + timedelta(hours=2) if responded else None,
                    i + 1,
                    location_id,
                    None,
                    None,
                )

        copy(
            cursor,
            "conflicts_conflict",
            [
                "id",
                "kind",
                "requested_start",
                "requested_end",
                "requested_meeting_type",
                "requested_address",
                "caller_notes",
                "status",
                "decision",
                "owner_notes",
                "alternate_start",
                "alternate_end",
                "alternate_meeting_type",
                "responded_at",
                "response_channel",
                "created_at",
                "reminders_sent",
                "last_reminded_at",
                "closed_at",
                "lead_id",
                "location_id",
                "raised_by_id",
                "responded_by_id",
            ],
            conflict_rows(),
        )

        # --- calls: one lead in four --------------------------------------------------------
        main_number = {loc.id: f"+1{AREA_CODES[k % 10]}2{k:06d}" for k, loc in enumerate(locations)}

        def call_rows():
            cid = 0
            for i in range(0, n, 4):
                location_id = lead_loc[i]
                if location_id is None:
                    continue
                cid += 1
                started = lead_created[i] + timedelta(minutes=1)
                yield (
                    cid,
                    lead_phone[i],
                    main_number[location_id],
                    started,
                    60 + i % 600,
                    f"https://recordings.example.com/{cid}.mp3",
                    f"bench-call-{cid}",
                    started,
                    None,
                    location_id,
                    i + 1,
                )

        copy(
            cursor,
            "leads_callrecord",
            [
                "id",
                "caller_number",
                "called_number",
                "started_at",
                "duration_seconds",
                "recording_url",
                "provider_call_id",
                "created_at",
                "agent_id",
                "location_id",
                "lead_id",
            ],
            call_rows(),
        )

        # --- office messages: one per 20 leads of a Location -------------------------------
        message_of: list[tuple] = []  # (message id, location id, created)

        def message_rows():
            mid = 0
            categories = ("lead", "existing_customer", "employee", "other")
            for i in range(7, n, 20):
                location_id = lead_loc[i]
                if location_id is None:
                    continue
                mid += 1
                category = categories[mid % 4]
                message_of.append((mid, location_id, lead_created[i]))
                yield (
                    mid,
                    f"{FIRST[mid % 14]} {LAST[mid % 12]}",
                    lead_phone[i],
                    category,
                    mid % 20 == 0,
                    "Please call back about the estimate; available after 3pm.",
                    lead_created[i] + timedelta(minutes=5),
                    i + 1 if category == "lead" else None,
                    location_id,
                    None,
                )

        copy(
            cursor,
            "messaging_officemessage",
            [
                "id",
                "caller_name",
                "callback_number",
                "category",
                "urgent",
                "body",
                "created_at",
                "lead_id",
                "location_id",
                "taken_by_id",
            ],
            message_rows(),
        )

        # --- notifications: every office message's e-mail, most bookings' e-mail ------------
        message_type = ContentType.objects.get_for_model(OfficeMessage).id
        appointment_type = ContentType.objects.get_for_model(Appointment).id

        def notification_rows():
            nid = 0
            for mid, location_id, created in message_of:
                nid += 1
                at = created + timedelta(minutes=6)
                failed = nid % 400 == 0
                yield (
                    nid,
                    "office_message",
                    "email",
                    f"office@loc{location_id}.example.com",
                    "",
                    mid,
                    f"/messages/{mid}/",
                    f"b{nid}",
                    "New message",
                    "A caller left a message.",
                    "",
                    "{}",
                    "failed" if failed else "delivered",
                    "",
                    1,
                    "550 mailbox full" if failed else "",
                    f"bench:{nid}",
                    at,
                    at,
                    at,
                    None if failed else at,
                    at,
                    location_id,
                    message_type,
                )
            for aid, i, _begin in appointment_of:
                if i % 4 == 0:
                    continue
                nid += 1
                at = lead_created[i] + timedelta(hours=2, minutes=1)
                yield (
                    nid,
                    "booking",
                    "email",
                    f"office@loc{lead_loc[i]}.example.com",
                    "",
                    aid,
                    f"/calendar/appointments/{aid}/",
                    f"b{nid}",
                    "New booking",
                    "An appointment was booked.",
                    "",
                    "{}",
                    "delivered",
                    "",
                    1,
                    "",
                    f"bench:{nid}",
                    at,
                    at,
                    at,
                    at,
                    at,
                    lead_loc[i],
                    appointment_type,
                )

        copy(
            cursor,
            "messaging_notification",
            [
                "id",
                "kind",
                "channel",
                "recipient",
                "sender",
                "subject_id",
                "link",
                "short_code",
                "title",
                "body",
                "html_body",
                "headers",
                "status",
                "provider_id",
                "attempts",
                "last_error",
                "idempotency_key",
                "created_at",
                "claimed_at",
                "next_attempt_at",
                "sent_at",
                "updated_at",
                "location_id",
                "subject_type_id",
            ],
            notification_rows(),
        )

        # --- SMS threads for one lead in ten of the two benchmark tenants ------------------
        tenants = {loc_ids[0], loc_ids[1]}

        def sms_rows():
            sid = 0
            for i in range(n):
                if lead_loc[i] not in tenants or i % 10:
                    continue
                at, ours = lead_created[i], main_number[lead_loc[i]]
                for k, (direction, body) in enumerate(
                    [
                        ("outbound", "Hi! Thanks for your request, when can we call you?"),
                        ("inbound", "Tomorrow 10am works"),
                        ("outbound", "Great, talk then."),
                    ]
                ):
                    sid += 1
                    frm, to = (ours, lead_phone[i]) if direction == "outbound" else (lead_phone[i], ours)
                    yield (
                        sid,
                        direction,
                        body,
                        frm,
                        to,
                        f"SMbench{sid:026d}",
                        False,
                        at + timedelta(minutes=10 + k),
                        i + 1,
                        lead_loc[i],
                        None,
                        None,
                    )

        copy(
            cursor,
            "messaging_smsmessage",
            [
                "id",
                "direction",
                "body",
                "from_number",
                "to_number",
                "message_sid",
                "redacted",
                "created_at",
                "lead_id",
                "location_id",
                "notification_id",
                "sent_by_id",
            ],
            sms_rows(),
        )

        # --- the agents' call queue: open calls of recent in-process leads ------------------
        def task_rows():
            tid = 0
            for i in range(n):
                if lead_status[i] == "in_process" and lead_loc[i] is not None and lead_created[i] > recent:
                    tid += 1
                    yield (
                        tid,
                        lead_created[i] + timedelta(days=1),
                        "",
                        None,
                        None,
                        lead_created[i],
                        None,
                        lead_loc[i],
                        i + 1,
                    )

        copy(
            cursor,
            "leads_calltask",
            [
                "id",
                "due_at",
                "outcome",
                "callback_at",
                "completed_at",
                "created_at",
                "agent_id",
                "location_id",
                "lead_id",
            ],
            task_rows(),
        )

        # --- owners of every other Location (unusable passwords), the two benchmark owners ---
        def owner_rows():
            for k in range(2, n_locations):
                yield (f"!{k}", None, False, f"owner{k}@scale.example.com", f"Owner {k}", "", False, True, now)

        cursor.execute("SELECT coalesce(max(id), 0) FROM accounts_user")
        first_user = cursor.fetchone()[0] + 1
        copy(
            cursor,
            "accounts_user",
            [
                "password",
                "last_login",
                "is_superuser",
                "email",
                "full_name",
                "phone",
                "is_staff",
                "is_active",
                "date_joined",
            ],
            owner_rows(),
        )
        cursor.execute("SELECT id, email FROM accounts_user WHERE id >= %s", [first_user])
        owner_of = {int(email[5:].split("@")[0]): uid for uid, email in cursor.fetchall()}
        copy(
            cursor,
            "accounts_membership",
            ["user_id", "location_id", "role", "created_at"],
            ((owner_of[k], loc_ids[k], "owner", now) for k in range(2, n_locations)),
        )
        cursor.execute(
            "INSERT INTO accounts_membership (user_id, location_id, role, created_at) VALUES (%s, %s, 'owner', now()),"
            " (%s, %s, 'owner', now())",
            [big_owner.id, loc_ids[0], small_owner.id, loc_ids[1]],
        )
        log("owners and memberships")

        # --- counters, sequences, indexes ----------------------------------------------------
        cursor.execute("DELETE FROM leads_leadstatuscount")
        cursor.execute(
            """INSERT INTO leads_leadstatuscount (brand_id, location_id, status, count)
               SELECT brand_id, location_id, status, count(*) FROM leads_lead GROUP BY 1, 2, 3"""
        )
        log("status counters rebuilt")
        # The triggers that version appointment days were off too (calendars migration 0006).
        cursor.execute(
            """INSERT INTO calendars_appointmentdayversion (location_id, day, version)
               SELECT location_id, day, nextval('calendars_appointment_day_version_seq')
               FROM (SELECT DISTINCT location_id, (start AT TIME ZONE 'UTC')::date AS day
                     FROM calendars_appointment) AS days"""
        )
        log(f"{cursor.rowcount:,} appointment day versions")
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce((SELECT max(id) FROM {table}), 1))"
            )
        for table, definitions in saved.items():
            started = time.perf_counter()
            for definition in definitions:
                cursor.execute(definition)
            log(f"  {len(definitions)} indexes of {table} rebuilt in {time.perf_counter() - started:.1f}s")

    connection.close()
    import psycopg2

    url = urlparse(os.environ["DATABASE_URL"])
    conn = psycopg2.connect(dbname=url.path.lstrip("/"), user=url.username, host=url.hostname, port=url.port or 5432)
    conn.autocommit = True
    with conn.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("VACUUM ANALYZE")
        log(f"VACUUM ANALYZE in {time.perf_counter() - started:.1f}s")
        for table in [
            "accounts_location",
            "leads_lead",
            "leads_leadstatuschange",
            "calendars_appointment",
            "conflicts_conflict",
            "messaging_notification",
            "messaging_officemessage",
            "leads_callrecord",
            "messaging_smsmessage",
        ]:
            cursor.execute(f"SELECT count(*) FROM {table}")
            log(f"  {table}: {cursor.fetchone()[0]:,}")
    conn.close()


if __name__ == "__main__":
    main()
