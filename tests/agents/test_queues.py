"""The callback queue (conflicts) and the contact sequence's call queue (leads), oldest first,
per Location and across all; closing or recording calls the owning service."""

import datetime as dt

import pytest
from django.utils import timezone

from conflicts.models import Callback, Conflict
from leads.models import CallTask
from tests.factories import CallbackFactory, CallTaskFactory, ConflictFactory, LeadFactory

pytestmark = pytest.mark.django_db


def _callback(location, *, age_hours: float, notes: str = ""):
    conflict = ConflictFactory(location=location, status="approved", owner_notes=notes)
    return CallbackFactory(conflict=conflict, created_at=timezone.now() - dt.timedelta(hours=age_hours))


def test_callback_queue_oldest_first_across_locations_and_per_location(console, tenant_a, tenant_b):
    newer = _callback(tenant_a.location, age_hours=1, notes="Use the side door.")
    older = _callback(tenant_b.location, age_hours=5)
    closed = _callback(tenant_a.location, age_hours=9)
    Callback.objects.filter(pk=closed.pk).update(status="closed", outcome="booked")
    response = console.get("/agent/callbacks/")
    assert [item["callback"] for item in response.context["items"]] == [older, newer]
    assert "Use the side door." in response.content.decode()
    response = console.get("/agent/callbacks/", {"location": tenant_a.location.pk})
    assert [item["callback"] for item in response.context["items"]] == [newer]


def test_close_a_callback_records_the_outcome_and_closes_the_conflict(console, tenant_a, agent):
    callback = _callback(tenant_a.location, age_hours=1)
    response = console.post(
        f"/agent/callbacks/{callback.pk}/close/",
        {"outcome": "unreachable", "notes": "Voicemail.", "next": f"/agent/callbacks/?location={tenant_a.location.pk}"},
    )
    assert response.status_code == 302 and response["Location"] == f"/agent/callbacks/?location={tenant_a.location.pk}"
    callback.refresh_from_db()
    assert (callback.status, callback.outcome, callback.notes, callback.closed_by) == (
        "closed",
        "unreachable",
        "Voicemail.",
        agent,
    )
    assert Conflict.objects.get(pk=callback.conflict_id).status == "closed"


def test_close_refusals_are_shown(console, tenant_a):
    callback = _callback(tenant_a.location, age_hours=1)
    response = console.post(f"/agent/callbacks/{callback.pk}/close/", {"outcome": "booked"})
    assert response.status_code == 400 and "Book the appointment first" in response.context["error"]
    response = console.post(f"/agent/callbacks/{callback.pk}/close/", {"outcome": "confirmed"})
    assert response.status_code == 400  # not an outcome of this kind of callback
    console.post(f"/agent/callbacks/{callback.pk}/close/", {"outcome": "refused"})
    response = console.post(f"/agent/callbacks/{callback.pk}/close/", {"outcome": "refused"})
    assert response.status_code == 409 and "already closed" in response.context["error"]


def test_next_must_stay_in_the_console(console, tenant_a):
    callback = _callback(tenant_a.location, age_hours=1)
    response = console.post(
        f"/agent/callbacks/{callback.pk}/close/", {"outcome": "unreachable", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/agent/callbacks/"


def test_call_queue_due_first_and_per_location(console, tenant_a, tenant_b):
    now = timezone.now()
    later = CallTaskFactory(
        lead=LeadFactory(location=tenant_a.location, notes="Prefers mornings"), due_at=now - dt.timedelta(minutes=5)
    )
    first = CallTaskFactory(lead=LeadFactory(location=tenant_b.location), due_at=now - dt.timedelta(hours=2))
    CallTaskFactory(lead=LeadFactory(location=tenant_a.location, status="bad_lead"), due_at=now - dt.timedelta(hours=3))
    response = console.get("/agent/calls/")
    assert [item["task"] for item in response.context["items"]] == [first, later]
    assert "Prefers mornings" in response.content.decode()
    response = console.get("/agent/calls/", {"location": tenant_a.location.pk})
    assert [item["task"] for item in response.context["items"]] == [later]


def test_record_call_outcomes(console, tenant_a, agent):
    task = CallTaskFactory(lead=LeadFactory(location=tenant_a.location))
    response = console.post(f"/agent/calls/{task.pk}/outcome/", {"outcome": "reached"})
    assert response.status_code == 302 and response["Location"] == "/agent/calls/"
    task.refresh_from_db()
    assert (task.outcome, task.agent) == ("reached", agent)
    response = console.post(f"/agent/calls/{task.pk}/outcome/", {"outcome": "no_answer"})
    assert response.status_code == 409


def test_callback_at_is_local_and_required(console, tenant_a):
    location = tenant_a.location
    task = CallTaskFactory(lead=LeadFactory(location=location))
    response = console.post(f"/agent/calls/{task.pk}/outcome/", {"outcome": "callback_at"})
    assert response.status_code == 400 and "When should the lead be called back" in response.context["error"]
    when = (
        (timezone.now() + dt.timedelta(days=2))
        .astimezone(location.zone)
        .replace(hour=10, minute=0, second=0, microsecond=0)
    )
    response = console.post(
        f"/agent/calls/{task.pk}/outcome/", {"outcome": "callback_at", "callback_at": when.strftime("%Y-%m-%dT%H:%M")}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.callback_at == when
    assert CallTask.objects.filter(lead=task.lead, completed_at__isnull=True).get().due_at == when
