"""`Idempotency-Key` on every API create that agents and integrations retry (issue #9 item 6):
the same key and body replay the first answer (no second row, e-mail or text); another body is
409; two requests with one key at once make one row (PostgreSQL's unique index decides)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, IdempotencyKey
from calendars.models import Appointment
from conflicts.models import Conflict, SameDayRequest
from leads.models import Lead
from messaging.models import OfficeMessage, SmsMessage
from notifications import sms
from pronexis import idempotency
from tests.conftest import session_api, token_client
from tests.factories import LeadFactory, LocationPhoneNumberFactory, week_of_windows

pytestmark = pytest.mark.django_db


@pytest.fixture
def location(tenant_a):
    """Tenant A's Location: open every day 9–17, e-mails and texts its distribution list."""
    location = tenant_a.location
    location.notification_emails = ["office@a.example"]
    location.sms_distribution_enabled = True
    location.sms_distribution_list = ["+19175550103"]
    location.lead_sms_enabled = True
    location.save()
    LocationPhoneNumberFactory(location=location, number="+17185550190", sends_sms=True)
    week_of_windows(location)
    return location


def _at(location, days: int, hour: int) -> str:
    day = timezone.now().astimezone(location.zone).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=location.zone).isoformat()


def _soon(hours: int) -> str:
    return (timezone.now() + dt.timedelta(hours=hours)).replace(microsecond=0).isoformat()


def create_case(name: str, location) -> tuple[str, dict, dict, type]:
    """(url, body, another body, the model a create adds a row of) for one retried create."""
    lead = LeadFactory(location=location, phone="+13475550001", address="12 Henry Street")
    if name == "office message":
        body = {
            "location": location.pk,
            "caller_name": "Pat Caller",
            "callback_number": "(347) 555-0199",
            "category": "existing_customer",
            "urgent": True,
            "body": "Caregiver did not show up.",
        }
        return "/api/v1/messages/", body, {**body, "body": "Another message."}, OfficeMessage
    if name == "lead":
        body = {"first_name": "Ada", "phone": "(347) 555-0142", "location": location.pk, "source": "online"}
        return "/api/v1/leads/", body, {**body, "first_name": "Grace"}, Lead
    if name == "conflict":
        body = {
            "lead": lead.pk,
            "kind": "location",
            "requested_start": _at(location, 3, 10),
            "requested_end": _at(location, 3, 11),
            "requested_meeting_type": "video",
            "caller_notes": "Only by video.",
        }
        return "/api/v1/conflicts/", body, {**body, "caller_notes": "Something else."}, Conflict
    if name == "same-day request":
        body = {
            "lead": lead.pk,
            "requested_start": _soon(3),
            "requested_end": _soon(4),
            "meeting_type": "client_home",
        }
        return "/api/v1/same-day-requests/", body, {**body, "meeting_type": "phone"}, SameDayRequest
    if name == "booking":
        body = {
            "lead": lead.pk,
            "start": _at(location, 3, 10),
            "end": _at(location, 3, 11),
            "meeting_type": "client_home",
        }
        return "/api/v1/appointments/", body, {**body, "address": "1 Other Road"}, Appointment
    assert name == "sms"
    body = {"body": "Would Tuesday 3pm work?"}
    return f"/api/v1/leads/{lead.pk}/sms/", body, {"body": "Or Wednesday?"}, SmsMessage


CREATES = ["office message", "lead", "conflict", "same-day request", "booking", "sms"]


@pytest.mark.parametrize("name", CREATES)
def test_same_key_same_body_replays_the_first_answer(clock, agent, location, name, django_capture_on_commit_callbacks):
    url, body, _other, model = create_case(name, location)
    api = token_client(agent, "agent")
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == 201, first.json()
    rows, emails, texts = model.objects.count(), len(mail.outbox), len(sms.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert (model.objects.count(), len(mail.outbox), len(sms.outbox)) == (rows, emails, texts)
    with django_capture_on_commit_callbacks(execute=True):
        fresh = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="retry-2")
    # A new key is a new create: it runs (a booking of the same hour is then refused by the rules).
    assert fresh.json() != first.json()


@pytest.mark.parametrize("name", CREATES)
def test_same_key_with_another_body_is_409(clock, agent, location, name):
    url, body, other, model = create_case(name, location)
    api = token_client(agent, "agent")
    first = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="key-a")
    assert first.status_code == 201, first.json()
    rows = model.objects.count()
    response = api.post(url, other, format="json", HTTP_IDEMPOTENCY_KEY="key-a")
    assert response.status_code == 409
    assert "Idempotency-Key was already used with another request body" in response.json()["detail"]
    assert model.objects.count() == rows


def test_keys_belong_to_their_token_and_a_failed_request_keeps_none(clock, agent, location):
    url, body, _other, model = create_case("office message", location)
    first_token, second_token = token_client(agent, "agent"), token_client(agent, "agent")
    refused = first_token.post(url, {**body, "category": "gossip"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert refused.status_code == 400 and not IdempotencyKey.objects.exists()
    assert first_token.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    assert second_token.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    assert session_api(agent).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    assert model.objects.count() == 3
    other_endpoint = first_token.post(
        "/api/v1/leads/", {"phone": "+13475550142", "location": location.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert other_endpoint.status_code == 409


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "caf\u00e9"])
def test_a_malformed_key_is_400_naming_the_header(clock, agent, location, key):
    url, body, _other, model = create_case("office message", location)
    response = token_client(agent, "agent").post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()
    assert not model.objects.exists()


def test_keys_expire_after_a_day_and_beat_purges_them(clock, agent, location):
    url, body, other, model = create_case("office message", location)
    api = token_client(agent, "agent")
    assert api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="old").status_code == 201
    clock.shift(dt.timedelta(hours=23))
    assert api.post(url, other, format="json", HTTP_IDEMPOTENCY_KEY="old").status_code == 409
    clock.shift(dt.timedelta(hours=2))
    # Past its lifetime the key is free again, even before the purge.
    assert api.post(url, other, format="json", HTTP_IDEMPOTENCY_KEY="old").status_code == 201
    assert api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="older").status_code == 201
    clock.shift(dt.timedelta(hours=25))
    from accounts.tasks import purge_idempotency_keys

    assert purge_idempotency_keys.delay().get() == 2 and not IdempotencyKey.objects.exists()
    assert model.objects.count() == 3


def test_the_schema_documents_the_header_on_every_retried_create(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    documented = {
        (path, method)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in operation.get("parameters", []))
    }
    assert documented == {
        ("/api/v1/messages/", "post"),
        ("/api/v1/leads/", "post"),
        ("/api/v1/conflicts/", "post"),
        ("/api/v1/same-day-requests/", "post"),
        ("/api/v1/appointments/", "post"),
        ("/api/v1/leads/{lead_id}/sms/", "post"),
    }
    for path, method in documented:
        assert {"400", "409"} <= set(schema["paths"][path][method]["responses"]), path


def _wait_until_another_request_waits_on_a_lock(deadline_seconds: float = 60.0) -> bool:
    """Poll PostgreSQL until some other connection is blocked on a lock (the duplicate's insert
    waiting for this transaction's key row). Returns False if none ever does."""
    stop = time.monotonic() + deadline_seconds
    with connection.cursor() as cursor:
        while time.monotonic() < stop:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.01)
    return False


@pytest.mark.django_db(transaction=True)
def test_two_requests_with_one_key_at_once_make_one_row(agent, location, monkeypatch):
    """The first request holds its transaction inside the service until the second one is seen
    blocked in PostgreSQL; the second then replays the first's answer: one message, one e-mail."""
    from messaging import services

    url, body, _other, _model = create_case("office message", location)
    original = services.office_message_create
    saw_a_waiter = []

    def slow_create(**kwargs):
        saw_a_waiter.append(_wait_until_another_request_waits_on_a_lock())
        return original(**kwargs)

    monkeypatch.setattr(services, "office_message_create", slow_create)
    _token, key = ApiToken.issue(user=agent, name="integration", scope="agent")
    clients = [APIClient() for _ in range(2)]
    for client in clients:
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")  # one token: one key space
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def run(i):
        try:
            barrier.wait()
            response = clients[i].post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="double")
            results[i] = (response.status_code, response.json(), response.has_header("Idempotent-Replayed"))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert saw_a_waiter == [True], "the duplicate must wait on the key row, not reach the service"
    assert sorted(replayed for _code, _body, replayed in results) == [False, True]
    assert results[0][:2] == results[1][:2] and results[0][0] == 201
    assert OfficeMessage.objects.count() == 1
    assert len(mail.outbox) == 1


def test_purge_keeps_fresh_keys(clock, agent, location):
    url, body, _other, _model = create_case("office message", location)
    token_client(agent, "agent").post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="fresh")
    assert idempotency.purge_expired() == 0 and IdempotencyKey.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_a_console_form_makes_one_row(agent, location, monkeypatch):
    """The console's one-time token through the same key table: two submits of one rendered
    form at once (two connections) — one office message, both answered with its result."""
    from agents.views import lead_pages as views
    from tests.agents.test_double_submit import form_token
    from tests.factories import agent_client

    page = f"/agent/locations/{location.pk}/messages/new/"
    token = form_token(agent_client(agent).get(page), page)
    data = {"caller_name": "Pat", "callback_number": "(347) 555-0199", "category": "other", "body": "Call back."}
    original = views.office_message_create
    saw_a_waiter = []

    def slow_create(**kwargs):
        saw_a_waiter.append(_wait_until_another_request_waits_on_a_lock())
        return original(**kwargs)

    monkeypatch.setattr(views, "office_message_create", slow_create)
    clients = [agent_client(agent) for _ in range(2)]
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def run(i):
        try:
            barrier.wait()
            response = clients[i].post(page, {**data, "form_token": token})
            results[i] = (response.status_code, response["Location"])
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert saw_a_waiter == [True], "the second submit must wait on the token's row, not reach the service"
    assert results[0] == results[1] and results[0][0] == 302
    assert OfficeMessage.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_retry_does_not_hang_behind_a_stuck_first_request(agent, location, settings):
    """A first request that holds its key (its transaction stuck) makes the retry answer 409
    'in progress' after IDEMPOTENCY_WAIT_SECONDS instead of hanging with it; nothing is created."""
    from django.db import connections

    settings.IDEMPOTENCY_WAIT_SECONDS = 0.2
    url, body, _other, model = create_case("office message", location)
    token, key = ApiToken.issue(user=agent, name="integration", scope="agent")
    holding, release = threading.Event(), threading.Event()

    def stuck_first_request():
        try:
            with transaction.atomic():
                IdempotencyKey.objects.create(caller=f"token:{token.pk}", key="stuck", request_fingerprint="x")
                holding.set()
                release.wait(timeout=30)  # without the bound the retry would wait this long
                transaction.set_rollback(True)
        finally:
            connections.close_all()

    holder = threading.Thread(target=stuck_first_request)
    holder.start()
    try:
        assert holding.wait(timeout=30)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        response = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="stuck")
    finally:
        release.set()
        holder.join()
    assert response.status_code == 409 and "in progress" in response.json()["detail"]
    assert not model.objects.exists() and not IdempotencyKey.objects.exists()
