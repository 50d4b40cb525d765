"""Property-based API fuzzing with schemathesis against the app's own `/api/schema/`.

Every operation of the OpenAPI schema gets a bounded number of generated requests (positive
and negative data), sent in-process to the WSGI app inside the test's transaction, with an
agent token (and, for the owner's answer endpoints, an owner's location token). Every check
schemathesis has (`--checks all`): no 5xx, every status code, content type, header and body as
documented, negative data rejected, positive data accepted, auth not ignored, unsupported
methods answered 405 with `Allow`. Path ids are pointed at real rows half of the time, so the
generated bodies reach the services instead of stopping at 404.

Positive data may still be refused with 400: a body the schema allows can break a rule the
schema cannot express (an end before its start, a time outside availability, a lead that
already has a same-day request). 400 is added to the statuses accepted for positive data for
that reason only; every 400 must still match its documented body.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from accounts.models import ApiToken
from tests.conftest import make_tenant
from tests.factories import make_agent

MAX_EXAMPLES = 25
OWNER_PATHS = ("/respond/",)  # answered by owners and managers


@pytest.fixture
def api_world(db, settings):
    """One tenant with a lead, an appointment, a conflict, a same-day request, a callback and a
    call task, tokens for an agent and for the tenant's owner."""
    from calendars.models import Appointment
    from conflicts.models import Callback, Conflict, SameDayRequest
    from leads.models import CallTask, Lead

    # Throttles are tested in tests/test_api_throttles.py; here a 429 would only stop the fuzzing.
    settings.API_THROTTLE_RATES = {"token": "1000000/minute", "session": "1000000/minute"}
    tenant = make_tenant(name="Fuzz Location")
    location = tenant.location
    location.meeting_types = ["office", "phone"]
    location.save()
    agent = make_agent(email="fuzz-agent@example.test")
    now = timezone.now()
    lead = Lead.objects.create(brand=location.brand, location=location, first_name="Fuzz", phone="+12125550123")
    appointment = Appointment.objects.create(
        location=location,
        lead=lead,
        start=now + timedelta(days=3),
        end=now + timedelta(days=3, hours=1),
        meeting_type="office",
    )
    conflict = Conflict.objects.create(
        location=location,
        lead=lead,
        kind="schedule",
        requested_start=now + timedelta(days=4),
        requested_end=now + timedelta(days=4, hours=1),
        requested_meeting_type="office",
    )
    same_day = SameDayRequest.objects.create(
        location=location,
        lead=lead,
        requested_start=now + timedelta(hours=5),
        requested_end=now + timedelta(hours=6),
        requested_meeting_type="office",
    )
    callback = Callback.objects.create(location=location, lead=lead, conflict=conflict, reason="conflict_approved")
    task = CallTask.objects.create(lead=lead, location=location, due_at=now)
    ids = {
        "lead_id": lead.pk,
        "location_id": location.pk,
        "appointment_id": appointment.pk,
        "conflict_id": conflict.pk,
        "same_day_id": same_day.pk,
        "callback_id": callback.pk,
        "call_task_id": task.pk,
    }
    return {
        "agent_token": ApiToken.issue(user=agent, name="fuzz agent", scope="agent")[1],
        "owner_token": ApiToken.issue(user=tenant.owner, name="fuzz owner", scope="location")[1],
        "ids": ids,
    }


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Django's test client detaches close_old_connections from the request signals so a
    request does not close the test's connection (and its transaction); the WSGI app is called
    directly here, so do the same."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# The schema the app serves, fetched in-process at collection (drf-spectacular needs no DB);
# every case is then sent to the same WSGI app inside the test's transaction.
# (schemathesis.pytest.from_fixture does not run under pytest 9: it sets Function._nodeid.)
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409", "429"]}}}
)
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application(), config=CONFIG)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_api_has_no_server_errors_and_matches_its_schema(case, api_world):
    for name in list(case.path_parameters or {}):
        # Half the examples address real rows (the generated id's parity decides), so bodies
        # reach validation and the services instead of a 404.
        if name in api_world["ids"] and isinstance(case.path_parameters[name], int) and case.path_parameters[name] % 2:
            case.path_parameters[name] = api_world["ids"][name]
    owner = any(part in case.path for part in OWNER_PATHS) and "same-day" not in case.path
    token = api_world["owner_token" if owner else "agent_token"]
    case.call_and_validate(headers={"Authorization": f"Token {token}"})  # every enabled check: all of them
