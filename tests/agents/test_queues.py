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


def test_callback_queue_pages_by_cursor_oldest_first(console, tenant_a, monkeypatch):
    from agents.views import queues

    monkeypatch.setattr(queues, "PAGE_SIZE", 2)
    made = [_callback(tenant_a.location, age_hours=hours) for hours in (5, 4, 3, 2, 1)]
    seen, url = [], "/agent/callbacks/"
    while url:
        response = console.get(url if url.startswith("/") else "/agent/callbacks/" + url)
        seen += [item["callback"] for item in response.context["items"]]
        url = response.context["next_url"]
    assert seen == made  # oldest first, each once, across three pages


def test_the_owners_answer_is_shown_once_and_no_outcome_is_preselected(clock, console, tenant_a):
    from conflicts.services import conflict_respond

    conflict = ConflictFactory(location=tenant_a.location, requested_meeting_type="client_home")
    conflict_respond(
        conflict=conflict, actor=tenant_a.owner, decision="approve", notes="Side door.", channel="action_center"
    )
    response = console.get("/agent/callbacks/")
    html = response.content.decode()
    assert html.count("Side door.") == 1
    form = response.context["items"][0]["form"]
    assert form.fields["outcome"].choices[0] == ("", "Choose the outcome…") and form["outcome"].value() is None
    callback = Callback.objects.get()
    response = console.post(f"/agent/callbacks/{callback.pk}/close/", {"notes": "no outcome chosen"})
    assert response.status_code == 400 and "Choose the outcome" in response.context["error"]
    assert Callback.objects.get().status == "open"


def test_book_now_opens_the_workspace_at_the_agreed_time_with_the_approval(clock, console, tenant_a, open_weekdays):
    from conflicts.services import conflict_respond

    saturday = timezone.now() + dt.timedelta(days=3)  # Saturday noon: outside availability
    conflict = ConflictFactory(
        location=tenant_a.location,
        requested_start=saturday,
        requested_end=saturday + dt.timedelta(hours=1),
        requested_meeting_type="client_home",
    )
    conflict_respond(conflict=conflict, actor=tenant_a.owner, decision="approve", channel="action_center")
    book_now = console.get("/agent/callbacks/").context["items"][0]["book_now"]
    assert book_now.startswith(f"/agent/leads/{conflict.lead_id}/?slot=2030-03-09T12%3A00&type=client_home")
    page = console.get(book_now)
    assert page.context["panel"] == "confirm"
    assert page.context["book_form"]["approval"].value() == f"conflict:{conflict.pk}"
    data = {
        "start": "2030-03-09T12:00",
        "minutes": 60,
        "meeting_type": "client_home",
        "approval": f"conflict:{conflict.pk}",
    }
    assert console.post(f"/agent/leads/{conflict.lead_id}/book/", data).status_code == 302
    from calendars.models import Appointment

    appointment = Appointment.objects.get(status="booked")
    assert appointment.forced and appointment.conflict == conflict


def test_call_queue_outcome_must_be_chosen(console, tenant_a):
    task = CallTaskFactory(lead=LeadFactory(location=tenant_a.location))
    response = console.get("/agent/calls/")
    assert response.context["items"][0]["form"]["outcome"].value() is None
    response = console.post(f"/agent/calls/{task.pk}/outcome/", {})
    assert response.status_code == 400
    task.refresh_from_db()
    assert task.completed_at is None
