"""Same-day requests (seed 000) and the callback queue that closes them."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conflicts.callbacks import callback_close
from conflicts.models import Callback, SameDayRequest
from conflicts.same_day import same_day_expire_due, same_day_raise, same_day_respond
from conflicts.tasks import expire_same_day_requests
from pronexis.errors import Refused
from tests.factories import CallbackFactory, ConflictFactory, LeadFactory, SameDayRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_a(tenant_a):
    return SameDayRequestFactory(location=tenant_a.location)


def test_raise_only_within_24_hours(tenant_a, agent):
    lead = LeadFactory(location=tenant_a.location)
    start = timezone.now() + dt.timedelta(hours=25)
    with pytest.raises(ValidationError, match="more than 24 hours"):
        same_day_raise(
            actor=agent,
            lead=lead,
            requested_start=start,
            requested_end=start + dt.timedelta(hours=1),
            requested_meeting_type="office",
        )
    start = timezone.now() + dt.timedelta(hours=5)
    created = same_day_raise(
        lead=lead,
        requested_start=start,
        requested_end=start + dt.timedelta(hours=1),
        requested_meeting_type="office",
        actor=agent,
    )
    assert created.status == "pending" and created.location == tenant_a.location


def test_approve_books_at_once_forced_and_queues_a_confirmation(request_a, tenant_a):
    answered = same_day_respond(request=request_a, actor=tenant_a.owner, decision="approve", channel="action_center")
    assert answered.status == "approved" and answered.responded_by == tenant_a.owner
    appointment = request_a.lead.appointments.get()
    assert appointment.same_day_request_id == request_a.pk and appointment.forced  # no availability: forced
    assert appointment.start == request_a.requested_start
    request_a.lead.refresh_from_db()
    assert request_a.lead.status == "converted"
    assert Callback.objects.get(same_day_request=request_a).reason == "same_day_approved"


def test_decline_then_refused_marks_the_lead_not_converted(request_a, tenant_a, agent):
    same_day_respond(request=request_a, actor=tenant_a.manager, decision="decline", notes="Fully booked", channel="api")
    callback = Callback.objects.get(same_day_request=request_a)
    assert callback.reason == "same_day_declined" and "Fully booked" in callback.instructions
    assert not request_a.lead.appointments.exists()
    callback_close(callback=callback, actor=agent, outcome="refused", notes="Wanted today only")
    request_a.refresh_from_db()
    request_a.lead.refresh_from_db()
    assert request_a.status == "closed" and request_a.outcome == "refused"
    assert request_a.lead.status == "not_converted" and request_a.lead.reason == "refused"


def test_decline_then_booked_later_needs_the_booking(request_a, tenant_a, agent):
    same_day_respond(request=request_a, actor=tenant_a.owner, decision="decline", channel="action_center")
    callback = Callback.objects.get(same_day_request=request_a)
    with pytest.raises(ValidationError, match="Book the appointment first"):
        callback_close(callback=callback, actor=agent, outcome="booked_later")
    with pytest.raises(ValidationError):
        callback_close(callback=callback, actor=agent, outcome="confirmed")  # not an outcome of this callback
    assert Callback.objects.get(pk=callback.pk).status == "open"


def test_agent_records_a_phone_answer_but_may_not_answer_in_the_portal(request_a, agent, tenant_a):
    with pytest.raises(PermissionDenied):
        same_day_respond(request=request_a, actor=agent, decision="decline", channel="action_center")
    with pytest.raises(PermissionDenied):
        same_day_respond(request=request_a, actor=tenant_a.owner, decision="decline", channel="phone")
    answered = same_day_respond(request=request_a, actor=agent, decision="decline", channel="phone")
    assert answered.response_channel == "phone" and answered.responded_by == agent


def test_viewer_and_other_tenant_refused_and_first_answer_wins(request_a, tenant_a, tenant_b):
    for actor in (tenant_a.viewer, tenant_b.owner):
        with pytest.raises(PermissionDenied):
            same_day_respond(request=request_a, actor=actor, decision="approve", channel="action_center")
    same_day_respond(request=request_a, actor=tenant_a.owner, decision="decline", channel="action_center")
    with pytest.raises(Refused, match="declined"):
        same_day_respond(request=request_a, actor=tenant_a.manager, decision="approve", channel="action_center")
    assert not request_a.lead.appointments.exists()


def test_expiry_when_the_start_passes(tenant_a):
    past = SameDayRequestFactory(location=tenant_a.location)
    SameDayRequest.objects.filter(pk=past.pk).update(requested_start=timezone.now() - dt.timedelta(minutes=5))
    future = SameDayRequestFactory(location=tenant_a.location)
    answered = SameDayRequestFactory(location=tenant_a.location, status="approved")
    SameDayRequest.objects.filter(pk=answered.pk).update(requested_start=timezone.now() - dt.timedelta(minutes=5))
    assert expire_same_day_requests() == 1
    statuses = dict(SameDayRequest.objects.values_list("pk", "status"))
    assert statuses == {past.pk: "expired", future.pk: "pending", answered.pk: "approved"}
    assert same_day_expire_due() == 0
    with pytest.raises(Refused, match="expired"):
        same_day_respond(request=past, actor=tenant_a.owner, decision="approve", channel="action_center")


def test_closing_a_conflict_callback_closes_the_conflict(tenant_a, agent):
    callback = CallbackFactory(
        conflict=ConflictFactory(location=tenant_a.location, status="declined"), reason="conflict_declined"
    )
    closed = callback_close(callback=callback, actor=agent, outcome="informed", notes="Told the client")
    assert closed.status == "closed" and closed.closed_by == agent and closed.outcome == "informed"
    callback.conflict.refresh_from_db()
    assert callback.conflict.status == "closed" and callback.conflict.closed_at is not None
    with pytest.raises(Refused, match="already closed"):
        callback_close(callback=callback, actor=agent, outcome="informed")


def test_only_agents_close_callbacks(tenant_a):
    callback = CallbackFactory(conflict__location=tenant_a.location)
    with pytest.raises(PermissionDenied):
        callback_close(callback=callback, actor=tenant_a.owner, outcome="unreachable")
