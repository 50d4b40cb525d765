"""The compliance gate in front of every automated text to a lead (issue #14): the text waits in
the outbox until the recipient's legal window — its number's zone and state — and is sent once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from leads.contact_sequence import call_task_record_outcome
from leads.models import CallTask
from leads.tasks import run_due_contact_steps
from messaging.services import send_lead_sms, sms_inbound_receive
from notifications import delivery, outbox, sms
from notifications.models import Notification
from tests.conftest import token_client
from tests.factories import ContactStepFactory, LeadFactory, LocationPhoneNumberFactory

pytestmark = pytest.mark.django_db
S = Notification.Status
NY = ZoneInfo("America/New_York")
CHI = ZoneInfo("America/Chicago")


@pytest.fixture
def texting(tenant_a):
    location = tenant_a.location
    location.lead_sms_enabled = True
    location.save()
    LocationPhoneNumberFactory(location=location, number="+17185550190", sends_sms=True)
    for position, kind in enumerate(["call", "sms_intro", "call"]):
        ContactStepFactory(brand=location.brand, position=position, kind=kind, wait_minutes=0)
    return location


def beat(clock, until: datetime, every=timedelta(minutes=1)):
    """Runs the beat's minute tasks (the contact sequence, the release of held texts) from now
    to `until`, a minute at a time, as a running beat would."""
    while datetime.now(tz=NY) < until:
        clock.shift(every)
        run_due_contact_steps()
        delivery.release_held_notifications()


@pytest.mark.parametrize(
    "phone,zone,opens",
    [
        ("+13475550101", NY, (8, 0)),  # New York: the federal window, 8:00
        ("+12145550101", CHI, (9, 0)),  # Dallas: Texas opens at 9:00 on a weekday
        ("+12035550101", NY, (9, 0)),  # Connecticut: 9:00
    ],
)
def test_a_lead_captured_at_2230_local_gets_its_intro_when_its_window_opens_exactly_once(
    tenant_a, texting, agent, django_capture_on_commit_callbacks, phone, zone, opens
):
    captured_at = datetime(2026, 3, 4, 22, 30, tzinfo=zone)  # a Wednesday night, the lead's time
    opening = datetime(2026, 3, 5, *opens, tzinfo=zone)
    with time_machine.travel(captured_at, tick=False) as clock:
        api = token_client(agent, "agent")
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(
                "/api/v1/leads/",
                {"first_name": "Ada", "last_name": "Lovelace", "phone": phone, "location": texting.pk, "source": "api"},
                format="json",
            )
            assert response.status_code == 201, response.json()
            run_due_contact_steps()  # the first call goes to the agents' queue
            task = CallTask.objects.get(lead_id=response.json()["id"])
            clock.shift(timedelta(minutes=5))
            call_task_record_outcome(task=task, outcome="no_answer", actor=agent)
            beat(clock, opening - timedelta(minutes=1))
        assert sms.outbox == []  # not at night, not at 7:59 (or 8:59)
        with django_capture_on_commit_callbacks(execute=True):
            beat(clock, opening + timedelta(minutes=1))
        assert len(sms.outbox) == 1 and "Ada" in sms.outbox[0].body
        (row,) = Notification.objects.filter(kind="sms_intro")
        assert row.status == S.SENT and opening <= row.sent_at <= opening + timedelta(minutes=1)
        with django_capture_on_commit_callbacks(execute=True):
            beat(clock, opening + timedelta(hours=2), every=timedelta(minutes=7))
            delivery.sweep_stuck_notifications(queued_grace=0)
        assert len(sms.outbox) == 1  # exactly once


def test_a_confirmation_queued_at_night_waits_in_the_outbox_and_is_released_at_8(
    tenant_a, texting, django_capture_on_commit_callbacks
):
    lead = LeadFactory(location=texting, phone="+13475550142")
    night = datetime(2026, 3, 4, 23, 15, tzinfo=NY)
    with time_machine.travel(night, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            outbox.notify_lead(
                lead=lead, kind="client_confirmation", subject=lead, context={"appointment": None}, idempotency_key="c"
            )
        (row,) = Notification.objects.all()
        opening = datetime(2026, 3, 5, 8, 0, tzinfo=NY)
        assert (row.status, row.not_before, row.next_attempt_at) == (S.QUEUED, opening, opening)
        assert delivery.notification_send(notification_id=row.pk) == "not-claimed"  # a stray task cannot send it
        clock.move_to(opening - timedelta(seconds=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert delivery.release_held_notifications() == 0
            delivery.sweep_stuck_notifications(queued_grace=0)
        assert sms.outbox == []
        clock.move_to(opening)
        with django_capture_on_commit_callbacks(execute=True):
            assert delivery.release_held_notifications() == 1
        row.refresh_from_db()
        assert row.status == S.SENT and len(sms.outbox) == 1


def test_a_text_inside_the_window_goes_at_once_and_its_retry_never_leaves_the_window(
    tenant_a, texting, django_capture_on_commit_callbacks, monkeypatch
):
    lead = LeadFactory(location=texting, phone="+13475550142")
    late = datetime(2026, 3, 4, 20, 59, 50, tzinfo=NY)
    with time_machine.travel(late, tick=False):
        from notifications.sms import SmsTemporaryError

        def down(**kwargs):
            raise SmsTemporaryError("Twilio 503")

        monkeypatch.setattr(sms.LocmemBackend, "send", lambda self, **kw: down(**kw))
        with django_capture_on_commit_callbacks(execute=True):
            outbox.notify_lead(
                lead=lead, kind="client_confirmation", subject=lead, context={"appointment": None}, idempotency_key="c"
            )
        row = Notification.objects.get()
        # Sent at once (tried): inside the window; the 30 s retry would be 21:00:20 → held to 8:00.
        assert row.status == S.QUEUED and row.attempts == 1
        assert row.next_attempt_at == row.not_before == datetime(2026, 3, 5, 8, 0, tzinfo=NY)


def test_an_agents_reply_within_24h_of_the_leads_text_is_conversation_not_gated(
    tenant_a, texting, agent, django_capture_on_commit_callbacks
):
    lead = LeadFactory(location=texting, phone="+13475550142")
    with time_machine.travel(datetime(2026, 3, 4, 22, 0, tzinfo=NY), tick=False) as clock:
        sms_inbound_receive(message_sid="SM1", from_number=lead.phone, to_number="+17185550190", body="Call me?")
        clock.shift(timedelta(minutes=10))
        with django_capture_on_commit_callbacks(execute=True):
            reply = send_lead_sms(lead=lead, body="Sure, tomorrow at 10?", actor=agent)
        reply.notification.refresh_from_db()
        assert reply.notification.status == S.SENT and reply.notification.not_before is None
        clock.shift(timedelta(hours=25))  # 23:10 the next night: no longer a conversation
        with django_capture_on_commit_callbacks(execute=True):
            later = send_lead_sms(lead=lead, body="Still interested?", actor=agent)
        later.notification.refresh_from_db()
        assert later.notification.status == S.QUEUED
        assert later.notification.not_before == datetime(2026, 3, 6, 8, 0, tzinfo=NY)
    assert [text.body for text in sms.outbox] == ["Sure, tomorrow at 10?"]
