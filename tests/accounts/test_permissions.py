"""accounts.permissions: the one table of who may do what, enforced by the write services
themselves — whoever calls them (a view, the API, an admin action, a task)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts import services as account_services
from accounts.models import ApiToken
from accounts.permissions import PERMISSIONS, SYSTEM, Action, Role, can, is_call_center, role
from calendars import availability as calendar_availability
from calendars import services as calendar_services
from conflicts import callbacks as conflict_callbacks
from conflicts import services as conflict_services
from leads.services import lead_set_status
from tests.conftest import token_client
from tests.factories import AppointmentFactory, CallbackFactory, ConflictFactory, LeadFactory

pytestmark = pytest.mark.django_db


def _users(tenant, agent, staff):
    return {
        Role.OWNER: tenant.owner,
        Role.MANAGER: tenant.manager,
        Role.VIEWER: tenant.viewer,
        Role.BRAND: tenant.brand_user,
        Role.AGENT: agent,
        Role.STAFF: staff,
    }


def test_every_role_gets_exactly_what_the_table_says(tenant_a, agent, staff, outsider):
    location = tenant_a.location
    for expected_role, user in _users(tenant_a, agent, staff).items():
        assert role(user, location) == expected_role
        for action, roles in PERMISSIONS.items():
            assert can(user, action, location) == (expected_role in roles), (expected_role, action)
    assert role(outsider, location) is None
    assert not any(can(outsider, action, location) for action in Action)
    assert all(can(SYSTEM, action, location) for action in Action)


def test_is_call_center_is_agents_and_staff_by_session_only(tenant_a, agent, staff):
    assert is_call_center(agent) and is_call_center(staff)
    assert not any(is_call_center(user) for user in (tenant_a.owner, tenant_a.viewer, tenant_a.brand_user, SYSTEM))
    # A staff user's location token acts with the token's scope, not as the call center.
    token, _ = ApiToken.issue(user=staff, name="location token", scope="location")
    staff.api_token = token
    assert not is_call_center(staff)
    token, _ = ApiToken.issue(user=tenant_a.owner, name="agent token", scope="agent")
    tenant_a.owner.api_token = token
    assert is_call_center(tenant_a.owner)


def test_a_staff_users_location_token_books_no_appointment(tenant_a, staff):
    api = token_client(staff, "location")
    lead = LeadFactory(location=tenant_a.location)
    start = timezone.now() + dt.timedelta(days=3)
    body = {"lead": lead.pk, "start": start.isoformat(), "end": (start + dt.timedelta(hours=1)).isoformat()}
    response = api.post("/api/v1/appointments/", {**body, "meeting_type": "office"}, format="json")
    assert response.status_code == 403


# --- each write service refuses the roles the table refuses -------------------------------------
def test_appointment_services_refuse_by_role(tenant_a, agent):
    appointment = AppointmentFactory(location=tenant_a.location)
    for user in (tenant_a.viewer, tenant_a.brand_user):
        with pytest.raises(PermissionDenied, match="may not cancel appointments"):
            calendar_services.appointment_cancel(appointment=appointment, actor=user)
    for user in (tenant_a.viewer, agent):
        with pytest.raises(PermissionDenied, match="may not change appointments"):
            calendar_services.appointment_reschedule(
                appointment=appointment, actor=user, start=appointment.start + dt.timedelta(days=1)
            )
        with pytest.raises(PermissionDenied, match="may not change appointments"):
            calendar_services.appointment_set_status(appointment=appointment, actor=user, status="completed")
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def test_appointment_book_refuses_a_portal_user(tenant_a):
    lead = LeadFactory(location=tenant_a.location)
    start = timezone.now() + dt.timedelta(days=3)
    with pytest.raises(PermissionDenied, match="may not book appointments"):
        calendar_services.appointment_book(
            lead=lead, start=start, end=start + dt.timedelta(hours=1), meeting_type="office", booked_by=tenant_a.owner
        )


def test_availability_services_refuse_a_viewer_and_an_agent(tenant_a, agent):
    for user in (tenant_a.viewer, agent):
        with pytest.raises(PermissionDenied, match="may not edit the availability"):
            calendar_availability.availability_window_add(
                location=tenant_a.location,
                actor=user,
                weekday=0,
                start_time=dt.time(9),
                end_time=dt.time(17),
                meeting_types=["office"],
            )


def test_lead_set_status_refuses_an_actor_kind_the_actor_does_not_hold(tenant_a, agent):
    lead = LeadFactory(location=tenant_a.location)
    with pytest.raises(PermissionDenied):  # an owner posing as the system
        lead_set_status(lead=lead, status="converted", actor=tenant_a.owner, actor_kind="system")
    with pytest.raises(PermissionDenied):  # an owner posing as an agent
        lead_set_status(
            lead=lead, status="owner_action", reason="transferred", actor=tenant_a.owner, actor_kind="agent"
        )
    with pytest.raises(PermissionDenied):  # an agent posing as the owner
        lead_set_status(lead=lead, status="test_lead", actor=agent, actor_kind="owner")
    with pytest.raises(PermissionDenied):  # a viewer has no kind at all
        lead_set_status(lead=lead, status="test_lead", actor=tenant_a.viewer, actor_kind="owner")
    with pytest.raises(PermissionDenied):  # nobody: the system must be named
        lead_set_status(lead=lead, status="converted", actor=None, actor_kind="system")
    lead.refresh_from_db()
    assert lead.status == "in_process"


def test_conflict_and_callback_services_refuse_by_role(tenant_a, agent):
    conflict = ConflictFactory(location=tenant_a.location)
    for user in (tenant_a.viewer, tenant_a.brand_user, agent):
        with pytest.raises(PermissionDenied, match="may not answer"):
            conflict_services.conflict_respond(conflict=conflict, actor=user, decision="approve", channel="api")
    callback = CallbackFactory(location=tenant_a.location)
    with pytest.raises(PermissionDenied, match="Only agents"):
        conflict_callbacks.callback_close(callback=callback, actor=tenant_a.owner, outcome="booked")


def test_team_services_refuse_a_manager(tenant_a):
    with pytest.raises(PermissionDenied, match="may not invite team members"):
        account_services.invitation_create(
            location=tenant_a.location, invited_by=tenant_a.manager, email="new@example.test", role="viewer"
        )
