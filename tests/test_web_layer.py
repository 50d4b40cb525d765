"""pronexis.web and pronexis.locks: the web idioms and the row lock, written once."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from leads.models import Lead
from pronexis.errors import Refused
from pronexis.locks import lock
from pronexis.web import decode_cursor, encode_cursor, error_text, refusal_status, safe_next


def test_safe_next_keeps_this_sites_paths_only():
    factory = RequestFactory()
    assert safe_next(factory.post("/", {"next": "/leads/?status=new"}), "/dashboard/") == "/leads/?status=new"
    assert safe_next(factory.get("/", {"next": "/calendar/"}), "/dashboard/") == "/calendar/"
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)", ""):
        assert safe_next(factory.post("/", {"next": target}), "/dashboard/") == "/dashboard/"
    assert safe_next(factory.post("/", {"next": "/leads/"}), "/agent/", within="/agent/") == "/agent/"
    assert safe_next(factory.post("/", {"next": "/agent/calls/"}), "/agent/", within="/agent/") == "/agent/calls/"


def test_one_refusal_mapping():
    assert [refusal_status(e) for e in (Refused("x"), ValidationError("x"), PermissionDenied("x"))] == [409, 400, 403]
    assert error_text(ValidationError({"start": "Too early.", "end": "Too late."})) == "Too early. Too late."
    assert error_text(Refused("Already answered.")) == "Already answered."


def test_cursor_round_trip_and_forgeries():
    moment = dt.datetime(2026, 12, 9, 17, 0, 0, 123456, tzinfo=dt.UTC)
    assert decode_cursor(encode_cursor(moment, 42)) == (moment, 42)
    for forged in ("", None, "garbage", "bm90fGE", encode_cursor(moment, 1)[:-3]):
        assert decode_cursor(forged) is None


@pytest.mark.django_db(transaction=True)
def test_lock_is_for_update_of_the_table_in_pk_order():
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        list(lock(Lead.objects.select_related("location")))
    sql = queries.captured_queries[-1]["sql"]
    assert 'ORDER BY "leads_lead"."id" ASC' in sql and sql.endswith('FOR UPDATE OF "leads_lead"')
