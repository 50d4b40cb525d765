"""Pages that compose several apps (issue #10): portal composes the lead page from each app's
selectors (nothing registered from another app's ready()), a page's data comes from its view —
no template tag runs a query — and the query counts stay fixed whatever the number of rows."""

import traceback
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from calendars.holds import hold_sync
from tests.factories import (
    AppointmentFactory,
    ConflictFactory,
    LeadFactory,
    OfficeMessageFactory,
    SameDayRequestFactory,
)

pytestmark = pytest.mark.django_db


@contextmanager
def queries_from_template_tags():
    """Every SQL statement run while a template tag module is on the stack."""
    found = []

    def spy(execute, sql, params, many, context):
        stack = traceback.extract_stack()
        tags = [f"{frame.filename}:{frame.lineno}" for frame in stack if "/templatetags/" in frame.filename]
        if tags:
            found.append((sql, tags))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        yield found


def _owner(tenant) -> Client:
    client = Client()
    client.force_login(tenant.owner)
    return client


def _lead_with_everything(location, *, holds=True):
    lead = LeadFactory(location=location)
    AppointmentFactory(location=location, lead=lead)
    conflict = ConflictFactory(location=location, lead=lead)
    same_day = SameDayRequestFactory(location=location, lead=lead)
    if holds:
        hold_sync(conflict)
        hold_sync(same_day)
    OfficeMessageFactory(location=location, lead=lead, urgent=True)
    return lead, conflict, same_day


def test_no_template_tag_runs_a_query(tenant_a):
    lead, conflict, same_day = _lead_with_everything(tenant_a.location)
    client = _owner(tenant_a)
    pages = [
        "/dashboard/",
        "/calendar/",
        "/calendar/?view=month",
        lead.get_absolute_url(),
        conflict.get_absolute_url(),
        same_day.get_absolute_url(),
        "/messages/",
        "/reports/",
    ]
    for url in pages:
        client.get(url)  # warm the session
        with queries_from_template_tags() as found:
            response = client.get(url)
        assert response.status_code == 200, url
        assert found == [], (url, found)


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_request_pages_show_the_hold_in_a_fixed_number_of_queries(tenant_a, django_assert_num_queries):
    """The hold line on a conflict's or same-day request's page is the view's one query (it was
    a template tag's): 7 in all, the same as before it moved."""
    _, conflict, same_day = _lead_with_everything(tenant_a.location)
    client = _owner(tenant_a)
    for item in (conflict, same_day):
        client.get(item.get_absolute_url())  # warm the session
        with django_assert_num_queries(7):
            page = client.get(item.get_absolute_url()).content.decode()
        assert 'data-testid="slot-hold"' in page


def test_lead_page_is_composed_in_a_fixed_number_of_queries(tenant_a, django_assert_num_queries):
    """17 queries, the same with five of every row: 16 as when the sections were registered from
    ready() and the appointments were a template tag's, plus the messaging section's consent
    history (two queries, added with the consent ledger), less the lead's calls read once for
    both the timeline and the calls table (issue #17)."""
    client = _owner(tenant_a)
    for rows in (1, 5):
        lead, _, _ = _lead_with_everything(tenant_a.location, holds=False)
        for _ in range(rows - 1):
            AppointmentFactory(location=tenant_a.location, lead=lead)
            ConflictFactory(location=tenant_a.location, lead=lead)
            SameDayRequestFactory(location=tenant_a.location, lead=lead)
            OfficeMessageFactory(location=tenant_a.location, lead=lead)
        client.get(lead.get_absolute_url())  # warm the session
        with django_assert_num_queries(17):
            page = client.get(lead.get_absolute_url()).content.decode()
        for section in ("Appointments", "Conflicts and same-day requests", "Messages and texts"):
            assert section in page
