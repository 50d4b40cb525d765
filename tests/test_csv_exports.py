"""CSV injection (#9 item 11): every cell of every CSV export is neutralised, not only names.
The exports write through one helper (pronexis.csv_export); a lint keeps it that way."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.test import Client

from pronexis.csv_export import csv_safe
from tests.factories import AppointmentFactory, ConflictFactory, LeadFactory

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ['=HYPERLINK("http://evil.example")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1", " =1"]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_cell_that_a_spreadsheet_would_evaluate_is_quoted(value):
    assert csv_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["Mary O'Neil", "", "+12125550100", "-5", "3.25", "a=b", "x@example.test"])
def test_plain_text_and_numbers_pass_unchanged(value):
    assert csv_safe(value) == value


def test_non_text_values_pass_unchanged():
    assert [csv_safe(v) for v in (7, -7, None, 1.5)] == [7, -7, None, 1.5]


def _rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(content.decode())))


def _assert_no_formula(rows):
    for row in rows[1:]:
        for cell in row:
            assert not re.match(r"\s*[=+@\-]", cell) or re.fullmatch(r"[+-]?\d+(\.\d+)?", cell), (cell, row)


@pytest.mark.django_db
def test_every_cell_of_the_lead_export_is_neutralised(tenant_a):
    location = tenant_a.location
    location.name = "=Location"
    location.save(update_fields=["name"])
    LeadFactory(
        location=location,
        first_name="=1",
        last_name="+2",
        email="@x",
        service_name="-3+4",
        external_id="=ext",
        status="bad_lead",
        reason='=HYPERLINK("http://evil.example","click")',
        source="online",
    )
    client = Client()
    client.force_login(tenant_a.owner)
    rows = _rows(client.get("/leads/export.csv"))
    assert len(rows) == 2
    _assert_no_formula(rows)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["reason"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["location"] == "'=Location"


@pytest.mark.django_db
def test_every_cell_of_the_monthly_count_export_is_neutralised(tenant_a):
    location = tenant_a.location
    location.name = "@Location"
    location.save(update_fields=["name"])
    lead = LeadFactory(location=location, first_name="=cmd", last_name="")
    at = dt.datetime(2025, 3, 10, 15, tzinfo=dt.UTC)
    AppointmentFactory(location=location, lead=lead, created_at=at)
    ConflictFactory(location=location, lead=lead, status="declined", responded_at=at)
    client = Client()
    client.force_login(tenant_a.owner)
    rows = _rows(client.get("/reports/appointments.csv", {"month": "2025-03"}))
    assert len(rows) == 4
    _assert_no_formula(rows)
    assert rows[1][0] == "'@Location" and rows[1][4] == "'=cmd"


def test_every_csv_export_writes_through_the_one_helper():
    """A csv.writer spelled out anywhere but pronexis/csv_export.py could skip the guard."""
    packages = [p for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name != "tests"]
    assert {"leads", "calendars", "pronexis"} <= {p.name for p in packages}
    offenders = []
    for path in (path for package in packages for path in package.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative != "pronexis/csv_export.py" and re.search(r"\bcsv\.(writer|DictWriter)\(", path.read_text()):
            offenders.append(relative)
    assert offenders == []
