"""conflict_respond: the one answer service behind every channel (seed 004)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conflicts.models import Callback, Conflict
from conflicts.services import conflict_raise, conflict_respond
from notifications.models import Notification
from pronexis.errors import Refused
from tests.factories import ConflictFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def conflict(tenant_a):
    return ConflictFactory(location=tenant_a.location)


def test_approve_records_the_answer_and_queues_the_booking_callback(conflict, tenant_a):
    answered = conflict_respond(
        conflict=conflict, actor=tenant_a.owner, decision="approve", notes="Bring the forms", channel="action_center"
    )
    assert answered.status == "approved" and answered.decision == "approve"
    assert answered.responded_by == tenant_a.owner and answered.response_channel == "action_center"
    assert answered.responded_at is not None and answered.owner_notes == "Bring the forms"
    callback = Callback.objects.get(conflict=conflict)
    assert callback.reason == "conflict_approved" and callback.status == "open"
    assert f"conflict #{conflict.pk}" in callback.instructions and "Bring the forms" in callback.instructions
    # Nothing is booked before the agent calls the client back.
    assert not conflict.lead.appointments.exists()
    assert Notification.objects.filter(kind="conflict_answered", location=tenant_a.location).exists()


def test_decline_queues_a_callback_telling_the_client(conflict, tenant_a):
    conflict_respond(conflict=conflict, actor=tenant_a.manager, decision="decline", channel="api")
    conflict.refresh_from_db()
    assert conflict.status == "declined" and conflict.response_channel == "api"
    assert Callback.objects.get(conflict=conflict).reason == "conflict_declined"


def test_alternate_changes_time_and_keeps_the_duration(conflict, tenant_a):
    start = conflict.requested_start + dt.timedelta(days=1, hours=-2)
    conflict_respond(
        conflict=conflict, actor=tenant_a.owner, decision="alternate", alternate_start=start, channel="calendar"
    )
    conflict.refresh_from_db()
    assert conflict.status == "alternate_suggested"
    assert conflict.alternate_start == start and conflict.alternate_end == start + dt.timedelta(hours=1)
    assert conflict.alternate_meeting_type == conflict.requested_meeting_type
    assert Callback.objects.get(conflict=conflict).reason == "conflict_alternate"


def test_alternate_may_change_only_the_meeting_type(conflict, tenant_a):
    conflict_respond(
        conflict=conflict,
        actor=tenant_a.owner,
        decision="alternate",
        alternate_meeting_type="phone",
        channel="action_center",
    )
    conflict.refresh_from_db()
    assert conflict.alternate_start == conflict.requested_start and conflict.alternate_meeting_type == "phone"


def test_alternate_must_change_something_and_be_in_the_future(conflict, tenant_a):
    with pytest.raises(ValidationError, match="another time"):
        conflict_respond(conflict=conflict, actor=tenant_a.owner, decision="alternate", channel="action_center")
    with pytest.raises(ValidationError, match="in the future"):
        conflict_respond(
            conflict=conflict,
            actor=tenant_a.owner,
            decision="alternate",
            alternate_start=timezone.now() - dt.timedelta(hours=1),
            channel="action_center",
        )
    with pytest.raises(ValidationError, match="change the time"):
        conflict_respond(
            conflict=conflict,
            actor=tenant_a.owner,
            decision="alternate",
            alternate_start=conflict.requested_start,
            alternate_meeting_type=conflict.requested_meeting_type,
            channel="action_center",
        )
    conflict.refresh_from_db()
    assert conflict.status == "pending" and not Callback.objects.exists()


def test_second_answer_is_refused_showing_the_first(conflict, tenant_a):
    conflict_respond(conflict=conflict, actor=tenant_a.owner, decision="approve", channel="action_center")
    with pytest.raises(Refused, match="Already answered: it was approved by") as refused:
        conflict_respond(conflict=conflict, actor=tenant_a.manager, decision="decline", channel="email_reply")
    assert "Action Center" in str(refused.value)
    conflict.refresh_from_db()
    assert conflict.status == "approved" and conflict.responded_by == tenant_a.owner
    assert Callback.objects.filter(conflict=conflict).count() == 1


def test_viewer_may_not_answer(conflict, tenant_a):
    with pytest.raises(PermissionDenied):
        conflict_respond(conflict=conflict, actor=tenant_a.viewer, decision="approve", channel="action_center")
    assert Conflict.objects.get(pk=conflict.pk).status == "pending"


def test_another_tenant_and_agents_may_not_answer(conflict, tenant_b, agent, tenant_a):
    for actor in (tenant_b.owner, agent, tenant_a.brand_user):
        with pytest.raises(PermissionDenied):
            conflict_respond(conflict=conflict, actor=actor, decision="approve", channel="action_center")
    assert Conflict.objects.get(pk=conflict.pk).status == "pending"


def test_no_actor_only_through_a_signed_channel(conflict):
    with pytest.raises(PermissionDenied):
        conflict_respond(conflict=conflict, actor=None, decision="approve", channel="action_center")
    answered = conflict_respond(conflict=conflict, actor=None, decision="approve", channel="email_link")
    assert answered.responded_by is None and answered.response_channel == "email_link"


def test_unknown_decision_is_invalid(conflict, tenant_a):
    with pytest.raises(ValidationError):
        conflict_respond(conflict=conflict, actor=tenant_a.owner, decision="maybe", channel="action_center")


def test_raise_notifies_the_location_with_links_and_a_signed_reply_to(tenant_a, agent):
    tenant_a.location.sms_distribution_enabled = True
    tenant_a.location.sms_distribution_list = ["+19175550123"]
    tenant_a.location.save()
    lead = LeadFactory(location=tenant_a.location)
    start = timezone.now() + dt.timedelta(days=2)
    conflict = conflict_raise(
        lead=lead,
        kind="location",
        requested_start=start,
        requested_end=start + dt.timedelta(hours=1),
        requested_meeting_type="video",
        actor=agent,
    )
    assert conflict.status == "pending" and conflict.location == tenant_a.location and conflict.raised_by == agent
    email = Notification.objects.get(kind="conflict_raised", channel="email")
    assert email.headers["Reply-To"].startswith(f"conflict+{conflict.pk}.")
    assert "/answer/" in email.body and "Suggest an alternate" in email.html_body
    sms = Notification.objects.get(kind="conflict_raised", channel="sms")
    assert f"/n/{sms.short_code}/" in sms.body  # one short link: it opens the answer page


def test_raise_refuses_a_past_or_inverted_time(tenant_a, agent):
    lead = LeadFactory(location=tenant_a.location)
    start = timezone.now() - dt.timedelta(hours=1)
    with pytest.raises(ValidationError) as invalid:
        conflict_raise(
            actor=agent,
            lead=lead,
            kind="schedule",
            requested_start=start,
            requested_end=start - dt.timedelta(hours=1),
            requested_meeting_type="office",
        )
    assert set(invalid.value.message_dict) == {"requested_start", "requested_end"}
    assert not Conflict.objects.exists()
