"""REST API: raise and answer conflicts and same-day requests; the callback queue."""

import datetime as dt

import pytest
from django.utils import timezone

from conflicts.models import Callback, Conflict
from tests.conftest import session_api, token_client
from tests.factories import CallbackFactory, ConflictFactory, LeadFactory, SameDayRequestFactory

pytestmark = pytest.mark.django_db


def iso(delta):
    return (timezone.now() + delta).replace(microsecond=0).isoformat()


def test_agent_raises_a_conflict(agent_api, tenant_a):
    lead = LeadFactory(location=tenant_a.location)
    body = {
        "lead": lead.pk,
        "kind": "schedule",
        "requested_start": iso(dt.timedelta(days=2)),
        "requested_end": iso(dt.timedelta(days=2, hours=1)),
        "requested_meeting_type": "client_home",
        "requested_address": "5 Pine St",
        "caller_notes": "After 6 pm",
    }
    response = agent_api.post("/api/v1/conflicts/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "pending" and data["lead"] == lead.pk and data["caller_notes"] == "After 6 pm"
    assert agent_api.post("/api/v1/conflicts/", {**body, "colour": "red"}, format="json").status_code == 400
    assert (
        agent_api.post(
            "/api/v1/conflicts/", {**body, "requested_start": iso(-dt.timedelta(hours=1))}, format="json"
        ).status_code
        == 400
    )


def test_owners_may_not_raise_conflicts(tenant_a):
    lead = LeadFactory(location=tenant_a.location)
    response = session_api(tenant_a.owner).post("/api/v1/conflicts/", {"lead": lead.pk}, format="json")
    assert response.status_code == 403


def test_owner_answers_by_api_and_a_second_answer_is_409(tenant_a):
    conflict = ConflictFactory(location=tenant_a.location)
    client = token_client(tenant_a.owner, "location")
    response = client.post(
        f"/api/v1/conflicts/{conflict.pk}/respond/", {"decision": "approve", "notes": "fine"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert response.json()["response_channel"] == "api"
    again = client.post(f"/api/v1/conflicts/{conflict.pk}/respond/", {"decision": "decline"}, format="json")
    assert again.status_code == 409 and "Already answered" in again.json()["detail"]


def test_api_alternate_in_the_past_is_400_and_viewer_403(tenant_a):
    conflict = ConflictFactory(location=tenant_a.location)
    past = session_api(tenant_a.manager).post(
        f"/api/v1/conflicts/{conflict.pk}/respond/",
        {"decision": "alternate", "alternate_start": iso(-dt.timedelta(days=1))},
        format="json",
    )
    assert past.status_code == 400 and "alternate_start" in past.json()
    viewer = session_api(tenant_a.viewer).post(
        f"/api/v1/conflicts/{conflict.pk}/respond/", {"decision": "approve"}, format="json"
    )
    assert viewer.status_code == 403
    assert Conflict.objects.get(pk=conflict.pk).status == "pending"


def test_same_day_api(agent_api, tenant_a):
    lead = LeadFactory(location=tenant_a.location)
    far = {
        "lead": lead.pk,
        "requested_start": iso(dt.timedelta(hours=30)),
        "requested_end": iso(dt.timedelta(hours=31)),
        "meeting_type": "office",
    }
    assert agent_api.post("/api/v1/same-day-requests/", far, format="json").status_code == 400
    near = {**far, "requested_start": iso(dt.timedelta(hours=3)), "requested_end": iso(dt.timedelta(hours=4))}
    created = agent_api.post("/api/v1/same-day-requests/", near, format="json")
    assert created.status_code == 201 and created.json()["status"] == "pending"
    pk = created.json()["id"]
    phone = agent_api.post(
        f"/api/v1/same-day-requests/{pk}/respond/", {"decision": "approve", "channel": "phone"}, format="json"
    )
    assert (
        phone.status_code == 200
        and phone.json()["status"] == "approved"
        and phone.json()["response_channel"] == "phone"
    )
    assert lead.appointments.count() == 1


def test_owner_answers_same_day_by_api(tenant_a):
    same_day = SameDayRequestFactory(location=tenant_a.location)
    response = session_api(tenant_a.owner).post(
        f"/api/v1/same-day-requests/{same_day.pk}/respond/", {"decision": "decline"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "declined"


def test_callback_queue_oldest_first_filter_and_close(agent_api, tenant_a, tenant_b, django_assert_num_queries):
    now = timezone.now()
    old = CallbackFactory(conflict__location=tenant_a.location, created_at=now - dt.timedelta(hours=3))
    new = CallbackFactory(conflict__location=tenant_a.location, created_at=now - dt.timedelta(hours=1))
    other = CallbackFactory(conflict__location=tenant_b.location, created_at=now - dt.timedelta(hours=2))
    CallbackFactory(conflict__location=tenant_a.location, status="closed")
    listed = agent_api.get("/api/v1/callbacks/").json()["results"]
    assert [row["id"] for row in listed] == [old.pk, other.pk, new.pk]
    only_a = agent_api.get(f"/api/v1/callbacks/?location={tenant_a.location.pk}").json()["results"]
    assert [row["id"] for row in only_a] == [old.pk, new.pk]
    for _ in range(20):
        CallbackFactory(conflict__location=tenant_a.location)
    # token lookup (its last-used update already happened above), callbacks page (one join for
    # lead, location and subjects) — whatever the number of callbacks
    with django_assert_num_queries(2):
        assert agent_api.get("/api/v1/callbacks/").status_code == 200
    old.conflict.lead.status = "converted"
    old.conflict.lead.save()
    closed = agent_api.post(
        f"/api/v1/callbacks/{old.pk}/close/", {"outcome": "booked", "notes": "Booked forced"}, format="json"
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    old.conflict.refresh_from_db()
    assert old.conflict.status == "closed"
    assert agent_api.post(f"/api/v1/callbacks/{old.pk}/close/", {"outcome": "booked"}, format="json").status_code == 409
    assert Callback.objects.get(pk=new.pk).status == "open"


def test_callback_queue_is_agent_only(tenant_a):
    callback = CallbackFactory(conflict__location=tenant_a.location)
    owner = session_api(tenant_a.owner)
    assert owner.get("/api/v1/callbacks/").status_code == 403
    assert (
        owner.post(f"/api/v1/callbacks/{callback.pk}/close/", {"outcome": "informed"}, format="json").status_code == 403
    )
