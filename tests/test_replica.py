"""Reports and CSV exports read from a replica when `DATABASE_REPLICA_URL` is set (issue #17):
`pronexis.db.reporting_db()` names the `replica` alias, the report and export views read their
data `.using()` it, and `PrimaryWritesRouter` sends every write to `default`. Here the replica
alias is a test mirror of the test database (pronexis/settings.py), so rows written in the test
must be committed (a transactional test) to be read through it."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import zoneinfo
from pathlib import Path

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from calendars.models import Appointment
from conflicts.models import Conflict
from leads.models import CallRecord, Lead
from messaging.models import MessageRead, OfficeMessage
from notifications.consent import consent_record
from notifications.models import ConsentEvent
from pronexis.db import reporting_db
from tests.factories import (
    AppointmentFactory,
    CallRecordFactory,
    ConflictFactory,
    LeadFactory,
    OfficeMessageFactory,
)

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])
ROOT = Path(__file__).resolve().parent.parent
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
MARCH = dt.datetime(2030, 3, 6, 12, tzinfo=NEW_YORK)
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@pytest.fixture
def replica(settings):
    """Reporting onto the replica alias: what DATABASE_REPLICA_URL makes of the settings."""
    settings.REPORTING_DATABASE = "replica"
    assert reporting_db() == "replica"
    yield
    connections["replica"].close()  # a mirror's connection left open would keep the test database from being dropped


@pytest.fixture
def owner(tenant_a):
    location = tenant_a.location
    lead = LeadFactory(location=location, first_name="Replica")
    appointment = AppointmentFactory(location=location, lead=lead)
    Appointment.objects.filter(pk=appointment.pk).update(created_at=MARCH)
    ConflictFactory(location=location, lead=lead, created_at=MARCH, responded_at=MARCH, status="approved")
    OfficeMessageFactory(location=location, urgent=True)
    CallRecordFactory(location=location, caller_number="+13475550177", called_number="+17185550166")
    consent_record(number="+13475550177", brand=location.brand, kind="opt_out", source="keyword", location=location)
    client = Client()
    client.force_login(tenant_a.owner)
    return client


def read(client, url: str):
    """The answer to a GET (a streamed one read to its end) and the SQL each alias ran for it."""
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(connections["replica"]) as rep:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200, (url, response.status_code)
    return body.decode(), [q["sql"] for q in primary], [q["sql"] for q in rep]


def tables(sqls: list[str]) -> set[str]:
    return {name for sql in sqls for name in re.findall(r'(?:FROM|JOIN) "([a-z_0-9]+)"', sql)}


def test_reports_and_exports_read_their_rows_from_the_replica(replica, owner, tenant_a):
    location = tenant_a.location
    data = {t._meta.db_table for t in (Appointment, Conflict, Lead, CallRecord, OfficeMessage, ConsentEvent)}
    expected = {
        "/reports/?month=2030-03&caller=%2B13475550177&called=%2B17185550166": {
            Appointment._meta.db_table,  # the monthly count
            Conflict._meta.db_table,  # ... and answered within target
            Lead._meta.db_table,  # leads by status and source
            OfficeMessage._meta.db_table,  # urgent messages answered within target
            CallRecord._meta.db_table,  # the call & recording lookup
        },
        "/reports/appointments.csv?month=2030-03": {Appointment._meta.db_table, Conflict._meta.db_table},
        "/leads/export.csv": {Lead._meta.db_table},
        f"/consent/{location.pk}/export.csv": {ConsentEvent._meta.db_table},
        f"/activity/{location.pk}/export.csv": set(),  # pghistory's event tables, below
    }
    for url, report_tables in expected.items():
        body, primary, rep = read(owner, url)
        assert rep, f"{url}: nothing read from the replica"
        assert report_tables <= tables(rep), url
        assert not data & tables(primary), f"{url} read report rows on the primary: {data & tables(primary)}"
        assert not [sql for sql in rep if WRITES.match(sql)], url
        if url.startswith("/activity/"):
            assert any("pgh_" in sql for sql in rep) and not any("pgh_" in sql for sql in primary)
            assert location.name in body  # the Location's history, read from the replica
    assert "Replica" in read(owner, "/leads/export.csv")[0]


def test_the_owner_s_writes_and_other_pages_stay_on_the_primary(replica, owner, tenant_a):
    message = OfficeMessage.objects.get(location=tenant_a.location)
    with CaptureQueriesContext(connections["replica"]) as rep:
        owner.get(f"/messages/{message.pk}/")  # reading marks it read: a write
        assert MessageRead.objects.filter(message=message, user=tenant_a.owner).exists()
        response = owner.post(f"/messages/{message.pk}/unread/")
        assert response.status_code in (200, 302)
        assert not MessageRead.objects.filter(message=message, user=tenant_a.owner).exists()
        owner.get("/leads/")  # the leads list is not a report: read-your-writes
    assert rep.captured_queries == []

    # A row read from the replica is saved to the primary (the router), never to the replica.
    lead = Lead.objects.using(reporting_db()).get(first_name="Replica")
    lead.first_name = "Renamed"
    with CaptureQueriesContext(connections["replica"]) as rep, CaptureQueriesContext(connections["default"]) as prim:
        lead.save(update_fields=["first_name"])
    assert rep.captured_queries == [] and any(WRITES.match(q["sql"]) for q in prim)
    assert Lead.objects.filter(first_name="Renamed").exists()


def test_database_replica_url_adds_the_alias_and_turns_reporting_onto_it():
    """Without DATABASE_REPLICA_URL (and outside tests) there is no replica alias and reports read
    the primary; with it, a `replica` alias at that address, never migrated."""
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'pronexis.settings'; django.setup()\n"
        "from django.conf import settings; from django.db import router; from pronexis.db import reporting_db\n"
        "replica = settings.DATABASES.get('replica', {})\n"
        "print(reporting_db(), replica.get('HOST'), replica.get('NAME'), router.allow_migrate('replica', 'leads'))"
    )
    base = {"PATH": "/usr/bin:/bin", "TESTING": "0", "DEBUG": "1", "DATABASE_URL": "postgres://u@primary:5432/portal"}

    def configured(env) -> list[str]:
        run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=ROOT)
        assert run.returncode == 0, run.stderr
        return run.stdout.split()

    assert configured(base) == ["default", "None", "None", "False"]
    replica_url = "postgres://u@standby:5432/portal"
    assert configured({**base, "DATABASE_REPLICA_URL": replica_url}) == ["replica", "standby", "portal", "False"]
