"""The automated contact sequence through the beat task (DESIGN.md "ACS", seed 001)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from leads.contact_sequence import call_task_record_outcome, sms_intro_resume_at
from leads.models import CallTask, Lead, LeadStatusChange
from leads.selectors import call_queue
from leads.tasks import run_due_contact_steps
from messaging.services import sms_inbound_receive
from tests.conftest import session_api, token_client
from tests.factories import ContactStepFactory, LeadFactory, LocationPhoneNumberFactory, agent_client

NY = ZoneInfo("America/New_York")


@pytest.fixture
def sent(monkeypatch):
    calls = []

    def fake_send_lead_sms(**kwargs):
        calls.append(kwargs)

    monkeypatch.setattr("leads.contact_sequence._lead_texter", fake_send_lead_sms)
    return calls


def steps(brand, *spec):
    for position, item in enumerate(spec):
        kind, minutes = (item, 0) if isinstance(item, str) else item
        ContactStepFactory(brand=brand, position=position, kind=kind, wait_minutes=minutes)


def start(tenant, at, **kwargs):
    tenant.location.lead_sms_enabled = True
    tenant.location.save()
    return LeadFactory(location=tenant.location, contact_next_run_at=at, **kwargs)


def open_task(lead):
    return CallTask.objects.get(lead=lead, completed_at__isnull=True)


@pytest.mark.django_db
def test_sequence_calls_texts_and_exhausts(tenant_a, agent, sent):
    steps(tenant_a.brand, "call", ("wait", 10), "sms_intro", "call", ("wait", 1440), "call")
    t0 = datetime(2025, 3, 4, 14, 0, tzinfo=NY)  # a Tuesday, 14:00 in New York
    with time_machine.travel(t0, tick=False) as clock:
        lead = start(tenant_a, t0, source="online")
        assert run_due_contact_steps() == 1
        call_task_record_outcome(task=open_task(lead), outcome="no_answer", actor=agent)
        run_due_contact_steps()  # wait 10 minutes
        assert sent == []
        clock.shift(timedelta(minutes=11))
        run_due_contact_steps()  # sms_intro, then the second call
        assert [s["idempotency_key"] for s in sent] == [f"sms_intro:{lead.pk}"]
        assert sent[0]["kind"] == "sms_intro" and lead.first_name in sent[0]["body"]
        call_task_record_outcome(task=open_task(lead), outcome="no_answer", actor=agent)
        run_due_contact_steps()  # wait a day
        clock.shift(timedelta(hours=23))
        assert run_due_contact_steps() == 0
        clock.shift(timedelta(hours=2))
        run_due_contact_steps()  # third call
        call_task_record_outcome(task=open_task(lead), outcome="no_answer", actor=agent)
        lead.refresh_from_db()
        assert lead.status == "in_process"
        run_due_contact_steps()
    lead.refresh_from_db()
    assert (lead.status, lead.reason, lead.contact_next_run_at) == ("bad_lead", "acs_exhausted", None)
    change = LeadStatusChange.objects.get(lead=lead, to_status="bad_lead")
    assert change.actor_kind == "system"
    assert CallTask.objects.filter(lead=lead).count() == 3


@pytest.mark.django_db
def test_sms_intro_waits_out_quiet_hours(tenant_a, agent, sent):
    steps(tenant_a.brand, "call", "sms_intro", "call")
    t0 = datetime(2025, 3, 4, 20, 50, tzinfo=NY)
    with time_machine.travel(t0, tick=False) as clock:
        lead = start(tenant_a, t0, source="api")
        run_due_contact_steps()
        clock.shift(timedelta(minutes=15))  # 21:05 local: quiet hours
        call_task_record_outcome(task=open_task(lead), outcome="no_answer", actor=agent)
        run_due_contact_steps()
        lead.refresh_from_db()
        assert sent == []
        assert lead.contact_next_run_at == datetime(2025, 3, 5, 8, 0, tzinfo=NY)
        assert not CallTask.objects.filter(lead=lead, completed_at__isnull=True).exists()
        clock.move_to(datetime(2025, 3, 5, 7, 59, tzinfo=NY))
        assert run_due_contact_steps() == 0
        clock.move_to(datetime(2025, 3, 5, 8, 0, 30, tzinfo=NY))
        run_due_contact_steps()
        assert len(sent) == 1
        assert open_task(lead)  # the next call


@pytest.mark.django_db
@pytest.mark.parametrize(
    "phone,location_zone,resume",
    [
        # The lead's own zone decides, not the Location's: a Los Angeles number of a New York
        # Location waits for 8:00 Pacific; a Connecticut number for 9:00 Eastern.
        ("+13105550142", "America/New_York", datetime(2025, 3, 5, 8, 0, tzinfo=ZoneInfo("America/Los_Angeles"))),
        ("+12035550142", "America/New_York", datetime(2025, 3, 5, 9, 0, tzinfo=NY)),
        ("+13475550142", "America/Los_Angeles", datetime(2025, 3, 5, 8, 0, tzinfo=NY)),
    ],
)
def test_sms_intro_waits_for_the_leads_own_window(tenant_a, agent, sent, phone, location_zone, resume):
    tenant_a.location.time_zone = location_zone
    tenant_a.location.save()
    steps(tenant_a.brand, "call", "sms_intro", "call")
    t0 = datetime(2025, 3, 5, 7, 30, tzinfo=NY)  # 4:30 in Los Angeles
    with time_machine.travel(t0, tick=False):
        lead = start(tenant_a, t0, source="api", phone=phone)
        run_due_contact_steps()
        call_task_record_outcome(task=open_task(lead), outcome="no_answer", actor=agent)
        run_due_contact_steps()
    lead.refresh_from_db()
    assert sent == [] and lead.contact_next_run_at == resume


def test_sms_intro_gate_is_dst_correct():
    class Loc:
        time_zone = "America/New_York"

    class L:
        phone = "+13475550142"
        location = Loc

    # The night DST starts (2025-03-09): 08:00 EDT is 12:00 UTC, not 13:00.
    resume = sms_intro_resume_at(lead=L, now=datetime(2025, 3, 8, 22, 0, tzinfo=NY))
    assert resume == datetime(2025, 3, 9, 12, 0, tzinfo=ZoneInfo("UTC"))
    assert sms_intro_resume_at(lead=L, now=datetime(2025, 3, 9, 9, 0, tzinfo=NY)) is None
    assert sms_intro_resume_at(lead=L, now=datetime(2025, 3, 9, 7, 0, tzinfo=NY)) == datetime(
        2025, 3, 9, 8, 0, tzinfo=NY
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "why,lead_kwargs,sms_on,answered",
    [
        ("phone lead", {"source": "phone"}, True, False),
        ("lead SMS off", {"source": "online"}, False, False),
        ("first call answered... by a callback", {"source": "online"}, True, True),
        ("opted out", {"source": "online", "sms_opted_out": True}, True, False),
    ],
)
def test_sms_intro_is_skipped_unless_it_applies(tenant_a, agent, sent, why, lead_kwargs, sms_on, answered):
    steps(tenant_a.brand, "call", "sms_intro", "call")
    t0 = datetime(2025, 3, 4, 12, 0, tzinfo=NY)
    with time_machine.travel(t0, tick=False):
        lead = start(tenant_a, t0, **lead_kwargs)
        tenant_a.location.lead_sms_enabled = sms_on
        tenant_a.location.save()
        run_due_contact_steps()
        if answered:
            call_task_record_outcome(
                task=open_task(lead), outcome="callback_at", callback_at=t0 + timedelta(hours=2), actor=agent
            )
        else:
            call_task_record_outcome(task=open_task(lead), outcome="no_answer", actor=agent)
        run_due_contact_steps()
    assert sent == [], why


@pytest.mark.django_db
def test_sms_intro_before_any_call_is_skipped(tenant_a, sent):
    steps(tenant_a.brand, "sms_intro", "call")
    t0 = datetime(2025, 3, 4, 12, 0, tzinfo=NY)
    with time_machine.travel(t0, tick=False):
        lead = start(tenant_a, t0, source="online")
        run_due_contact_steps()
    assert sent == [] and open_task(lead)


@pytest.mark.django_db
def test_reached_stops_the_sequence(tenant_a, agent, sent):
    steps(tenant_a.brand, "call", ("wait", 10), "call")
    t0 = datetime(2025, 3, 4, 12, 0, tzinfo=NY)
    with time_machine.travel(t0, tick=False) as clock:
        lead = start(tenant_a, t0)
        run_due_contact_steps()
        call_task_record_outcome(task=open_task(lead), outcome="reached", actor=agent)
        clock.shift(timedelta(days=3))
        assert run_due_contact_steps() == 0
    lead.refresh_from_db()
    assert lead.status == "in_process" and lead.contacted_at is not None
    assert CallTask.objects.filter(lead=lead).count() == 1


@pytest.mark.django_db
def test_bad_number_and_callback_outcomes(tenant_a, agent):
    t0 = datetime(2025, 3, 4, 12, 0, tzinfo=NY)
    with time_machine.travel(t0, tick=False):
        lead = LeadFactory(location=tenant_a.location)
        task = CallTask.objects.create(lead=lead, location=tenant_a.location, due_at=t0)
        call_task_record_outcome(task=task, outcome="bad_number", actor=agent)
        lead.refresh_from_db()
        assert (lead.status, lead.reason) == ("bad_lead", "fake_contact_info")

        other = LeadFactory(location=tenant_a.location)
        task = CallTask.objects.create(lead=other, location=tenant_a.location, due_at=t0)
        with pytest.raises(Exception, match="callback"):
            call_task_record_outcome(task=task, outcome="callback_at", actor=agent)
        call_task_record_outcome(task=task, outcome="callback_at", callback_at=t0 + timedelta(days=1), actor=agent)
        other.refresh_from_db()
        assert other.status == "in_process"
        assert CallTask.objects.filter(lead=other, completed_at__isnull=True, due_at=t0 + timedelta(days=1)).exists()


@pytest.mark.django_db
def test_call_queue_api_is_for_agents(tenant_a, tenant_b, agent):
    lead = LeadFactory(location=tenant_a.location)
    task = CallTask.objects.create(lead=lead, location=tenant_a.location, due_at=lead.created_at)
    LeadFactory(location=tenant_a.location, status="converted")
    api = token_client(agent, "agent")
    queue = api.get("/api/v1/call-queue/")
    assert queue.status_code == 200 and [row["id"] for row in queue.json()] == [task.pk]
    assert queue.json()[0]["lead"]["phone"] == lead.phone
    url = f"/api/v1/call-queue/{task.pk}/outcome/"
    assert session_api(tenant_a.owner).get("/api/v1/call-queue/").status_code == 403
    assert session_api(tenant_a.owner).post(url, {"outcome": "reached"}, format="json").status_code == 403
    assert api.post(url, {"outcome": "later"}, format="json").status_code == 400
    done = api.post(url, {"outcome": "reached"}, format="json")
    assert done.status_code == 200 and done.json()["outcome"] == "reached"
    again = api.post(url, {"outcome": "no_answer"}, format="json")
    assert again.status_code == 409
    lead.refresh_from_db()
    assert lead.contacted_at is not None and Lead.objects.get(pk=lead.pk).status == "in_process"


@pytest.mark.django_db
def test_a_text_from_the_lead_takes_its_queued_call_out_of_the_queue(clock, tenant_a, agent):
    """Issue #16 item 6 / seed 001 line 17: a lead who answers the intro text is worked by SMS;
    the call the sequence queued leaves the agents' queue (API and console read the same
    selector). A callback an agent schedules after a contact stays."""
    line = LocationPhoneNumberFactory(location=tenant_a.location)
    steps(tenant_a.brand, "call", "sms_intro", "call")
    lead = start(tenant_a, datetime.now(NY), source="online")
    run_due_contact_steps()
    queued = open_task(lead)
    console = agent_client(agent)
    assert list(call_queue(user=agent)) == [queued]
    assert f"/agent/calls/{queued.pk}/" in console.get("/agent/calls/").content.decode()

    sms_inbound_receive(message_sid="SM-reply-1", from_number=str(lead.phone), to_number=line.number, body="Text me")
    assert list(call_queue(user=agent)) == []
    assert f"/agent/calls/{queued.pk}/" not in console.get("/agent/calls/").content.decode()
    api = token_client(agent, "agent").get("/api/v1/call-queue/")
    assert api.status_code == 200 and queued.pk not in [row["id"] for row in api.json()]
    lead.refresh_from_db()
    assert lead.contact_next_run_at is None and lead.contacted_at is not None

    # Later: a callback the lead asked for on a call is kept when they text again.
    callback = CallTask.objects.create(
        lead=lead, location=tenant_a.location, due_at=datetime.now(NY) + timedelta(hours=2)
    )
    sms_inbound_receive(message_sid="SM-reply-2", from_number=str(lead.phone), to_number=line.number, body="Thanks")
    assert list(call_queue(user=agent)) == [callback]
