"""Every write service refuses, by itself, a role the permission table (accounts/permissions.py)
refuses (issue #10 "a test per service"): each row calls the service function directly — no view,
no API, no form in between — with an actor the table refuses, and expects the refusal
(PermissionDenied naming the role, 403 for every caller).

A second test keeps the table complete: every public function of the write modules is either a
row here or named in NOT_ACTOR_CHECKED with the reason it takes no actor to refuse."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts import areas
from accounts import services as accounts_services
from accounts.models import ApiToken
from accounts.permissions import PERMISSIONS, Action, Role
from calendars import availability, sources
from calendars import services as calendar_services
from calendars.models import CalendarSource
from conflicts import callbacks, same_day
from conflicts import services as conflict_services
from leads import calls, capture, contact_sequence
from leads import services as lead_services
from messaging import services as messaging_services
from notifications import resend
from portal import operations, urgent
from tests.factories import (
    AppointmentFactory,
    AvailabilityExceptionFactory,
    AvailabilityWindowFactory,
    CallbackFactory,
    CallTaskFactory,
    ConflictFactory,
    LeadFactory,
    LocationPhoneNumberFactory,
    NotificationFactory,
    OfficeMessageFactory,
    SameDayRequestFactory,
)

pytestmark = pytest.mark.django_db


class World:
    """Tenant A's people and one row of each kind the services act on."""

    def __init__(self, tenant, agent, staff):
        self.tenant, self.location = tenant, tenant.location
        self.people = {
            "owner": tenant.owner,
            "manager": tenant.manager,
            "viewer": tenant.viewer,
            "brand": tenant.brand_user,
            "agent": agent,
            "staff": staff,
        }
        self.lead = LeadFactory(location=self.location)
        self.appointment = AppointmentFactory(location=self.location, lead=self.lead)
        self.conflict = ConflictFactory(location=self.location, lead=self.lead)
        self.same_day = SameDayRequestFactory(location=self.location, lead=LeadFactory(location=self.location))
        self.message = OfficeMessageFactory(location=self.location, urgent=True)

    def later(self):
        return (timezone.now() + dt.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)

    def invitation(self):
        invitation, _ = accounts_services.invitation_create(
            location=self.location, invited_by=self.tenant.owner, email="invited@x.test", role="viewer"
        )
        return invitation

    def viewer_membership(self):
        return self.tenant.viewer.memberships.get(location=self.location)

    def calendar_source(self):
        return CalendarSource.objects.create(location=self.location, kind="ics", url="https://cal.example/x.ics")

    def callback(self):
        return CallbackFactory(conflict=ConflictFactory(location=self.location, status="approved"))

    def failed_notification(self):
        return NotificationFactory(location=self.location, status="failed")

    def capture_data(self, **extra):
        return {"brand": self.location.brand, "location": self.location, "phone": "+13475550142", **extra}

    def call_data(self):
        number = LocationPhoneNumberFactory(location=self.location)
        return {
            "provider_call_id": "CA-refused", "caller_number": "+13475550142", "called_number": number.number,
            "started_at": timezone.now(),
        }  # fmt: skip

    def call_task(self):
        return CallTaskFactory(lead=self.lead)

    def someone_elses_token(self):
        return ApiToken.issue(user=self.people["agent"], name="console", scope="agent")[0]


SOON = dt.time(9), dt.time(17)


# (service, refused role, call(world, actor)): one row per write service; the refused role is
# one the table refuses for the service's action (checked against PERMISSIONS below).
CASES = [
    ("accounts.services.invitation_create", Action.INVITE, "manager",
     lambda w, a: accounts_services.invitation_create(
         location=w.location, invited_by=a, email="new@x.test", role="viewer")),
    ("accounts.services.invitation_revoke", Action.MANAGE_TEAM, "manager",
     lambda w, a: accounts_services.invitation_revoke(invitation=w.invitation(), actor=a)),
    ("accounts.services.membership_remove", Action.MANAGE_TEAM, "manager",
     lambda w, a: accounts_services.membership_remove(location=w.location, actor=a, membership=w.viewer_membership())),
    ("accounts.services.membership_set_role", Action.MANAGE_TEAM, "manager",
     lambda w, a: accounts_services.membership_set_role(
         location=w.location, actor=a, membership=w.viewer_membership(), role="manager")),
    ("accounts.services.location_update_settings", Action.CHANGE_SETTINGS, "manager",
     lambda w, a: accounts_services.location_update_settings(location=w.location, actor=a, form=None)),
    ("accounts.services.location_regenerate_calendar_secret", Action.CHANGE_CALENDAR_FEED, "manager",
     lambda w, a: accounts_services.location_regenerate_calendar_secret(location=w.location, actor=a)),
    ("accounts.services.locations_deactivate", "staff", "owner",
     lambda w, a: accounts_services.locations_deactivate(locations=[w.location], actor=a)),
    ("accounts.services.api_token_revoke", "staff", "owner",
     lambda w, a: accounts_services.api_token_revoke(token=w.someone_elses_token(), actor=a)),
    ("accounts.areas.area_import_plan", "staff", "owner",
     lambda w, a: areas.area_import_plan(actor=a, brand=w.location.brand, rows=[])),
    ("accounts.areas.area_import_apply", "staff", "owner",
     lambda w, a: areas.area_import_apply(actor=a, brand=w.location.brand, rows=[], allow_move=False)),
    ("accounts.areas.area_export_rows", "staff", "owner",
     lambda w, a: areas.area_export_rows(actor=a, brand=w.location.brand)),
    ("calendars.services.appointment_book", Action.BOOK, "owner",
     lambda w, a: calendar_services.appointment_book(
         lead=w.lead, start=w.later(), end=w.later() + dt.timedelta(hours=1), meeting_type="office", booked_by=a)),
    ("calendars.services.appointment_cancel", Action.CANCEL_APPOINTMENT, "viewer",
     lambda w, a: calendar_services.appointment_cancel(appointment=w.appointment, actor=a)),
    ("calendars.services.appointment_reschedule", Action.CHANGE_APPOINTMENT, "agent",
     lambda w, a: calendar_services.appointment_reschedule(appointment=w.appointment, actor=a, start=w.later())),
    ("calendars.services.appointment_set_status", Action.CHANGE_APPOINTMENT, "agent",
     lambda w, a: calendar_services.appointment_set_status(appointment=w.appointment, actor=a, status="completed")),
    ("calendars.availability.availability_window_add", Action.EDIT_AVAILABILITY, "viewer",
     lambda w, a: availability.availability_window_add(
         location=w.location, actor=a, weekday=0, start_time=SOON[0], end_time=SOON[1], meeting_types=[])),
    ("calendars.availability.availability_window_delete", Action.EDIT_AVAILABILITY, "agent",
     lambda w, a: availability.availability_window_delete(
         window=AvailabilityWindowFactory(location=w.location), actor=a)),
    ("calendars.availability.availability_exception_add", Action.EDIT_AVAILABILITY, "brand",
     lambda w, a: availability.availability_exception_add(
         location=w.location, actor=a, date=w.later().date(), kind="closed")),
    ("calendars.availability.availability_exception_delete", Action.EDIT_AVAILABILITY, "viewer",
     lambda w, a: availability.availability_exception_delete(
         exception=AvailabilityExceptionFactory(location=w.location), actor=a)),
    ("calendars.availability.location_update_slot_settings", Action.EDIT_AVAILABILITY, "agent",
     lambda w, a: availability.location_update_slot_settings(
         location=w.location, actor=a, slot_minutes=30, buffer_minutes=0, minimum_notice_minutes=0)),
    ("calendars.sources.calendar_source_add", Action.MANAGE_CALENDAR_SOURCES, "manager",
     lambda w, a: sources.calendar_source_add(location=w.location, actor=a, kind="ics", url="https://cal.example/x.ics")),
    ("calendars.sources.calendar_source_refresh_now", Action.MANAGE_CALENDAR_SOURCES, "manager",
     lambda w, a: sources.calendar_source_refresh_now(source=w.calendar_source(), actor=a)),
    ("calendars.sources.calendar_source_remove", Action.MANAGE_CALENDAR_SOURCES, "viewer",
     lambda w, a: sources.calendar_source_remove(source=w.calendar_source(), actor=a)),
    ("conflicts.services.conflict_respond", Action.ANSWER, "viewer",
     lambda w, a: conflict_services.conflict_respond(conflict=w.conflict, actor=a, decision="approve", channel="api")),
    ("conflicts.same_day.same_day_respond", Action.ANSWER, "brand",
     lambda w, a: same_day.same_day_respond(request=w.same_day, actor=a, decision="decline", channel="api")),
    ("conflicts.services.conflict_raise", Action.RAISE_CONFLICT, "owner",
     lambda w, a: conflict_services.conflict_raise(
         lead=w.lead, kind="schedule", requested_start=w.later(), requested_end=w.later() + dt.timedelta(hours=1),
         requested_meeting_type="office", actor=a)),
    ("conflicts.same_day.same_day_raise", Action.REQUEST_SAME_DAY, "manager",
     lambda w, a: same_day.same_day_raise(
         lead=w.lead, requested_start=timezone.now() + dt.timedelta(hours=3),
         requested_end=timezone.now() + dt.timedelta(hours=4), requested_meeting_type="office", actor=a)),
    ("conflicts.callbacks.callback_close", Action.WORK_CALLBACKS, "owner",
     lambda w, a: callbacks.callback_close(callback=w.callback(), actor=a, outcome="informed")),
    ("leads.services.lead_set_status", Action.SET_LEAD_STATUS, "viewer",
     lambda w, a: lead_services.lead_set_status(
         lead=w.lead, status="bad_lead", reason="fake_contact_info", actor=a, actor_kind="owner")),
    ("leads.capture.lead_capture", Action.CAPTURE_LEAD, "viewer",
     lambda w, a: capture.lead_capture(data=w.capture_data(), actor=a)),
    ("leads.calls.call_record_create", Action.RECORD_CALL, "manager",
     lambda w, a: calls.call_record_create(data=w.call_data(), actor=a)),
    ("leads.contact_sequence.call_task_record_outcome", Action.WORK_CALL_QUEUE, "owner",
     lambda w, a: contact_sequence.call_task_record_outcome(task=w.call_task(), outcome="no_answer", actor=a)),
    ("messaging.services.office_message_create", Action.TAKE_MESSAGE, "owner",
     lambda w, a: messaging_services.office_message_create(
         location=w.location, actor=a, caller_name="Hal", callback_number="+13475550100", category="other",
         body="Call me.")),
    ("messaging.services.send_lead_sms", Action.TEXT_LEAD, "owner",
     lambda w, a: messaging_services.send_lead_sms(lead=w.lead, body="Hello", actor=a)),
    ("messaging.services.lead_no_texts_record", Action.RECORD_NO_TEXTS, "owner",
     lambda w, a: messaging_services.lead_no_texts_record(lead=w.lead, actor=a)),
    ("notifications.resend.notifications_resend", "staff", "owner",
     lambda w, a: resend.notifications_resend(actor=a, notification_ids=[w.failed_notification().pk])),
    ("portal.urgent.urgent_acknowledge", Action.ACKNOWLEDGE, "viewer",
     lambda w, a: urgent.urgent_acknowledge(item=w.message, actor=a, channel="portal")),
    ("portal.urgent.office_message_handle", Action.HANDLE_MESSAGE, "agent",
     lambda w, a: urgent.office_message_handle(message=w.message, actor=a, note="Called back.")),
    ("portal.operations.operations_overview", "staff", "manager",
     lambda w, a: operations.operations_overview(actor=a)),
]  # fmt: skip

# A phone answer is recorded by the call center only, whoever else may answer. A lead no area
# routes is the brand's: brand leadership sees the brand's Locations and still may not capture.
EXTRA_CASES = [
    ("conflicts.same_day.same_day_respond (phone)", Action.RECORD_PHONE_ANSWER, "owner",
     lambda w, a: same_day.same_day_respond(request=w.same_day, actor=a, decision="approve", channel="phone")),
    ("leads.capture.lead_capture (no area)", Action.CAPTURE_LEAD, "brand",
     lambda w, a: capture.lead_capture(data=w.capture_data(location=None, postal_code="99999"), actor=a)),
]  # fmt: skip

# Public functions of the write modules that take no actor to refuse, and why.
NOT_ACTOR_CHECKED = {
    # reads, pure helpers and formatting
    **dict.fromkeys(
        [
            "accounts.services.invitation_link", "accounts.services.invitation_from_token",
            "accounts.areas.area_file_read", "accounts.areas.area_import_token",
            "accounts.areas.area_import_from_token",
            "calendars.services.appointments_due_for_reminder",
            "conflicts.services.local", "conflicts.services.describe_time", "conflicts.services.describe_answer",
            "conflicts.services.answer_summary", "conflicts.services.check_answer_role",
            "conflicts.services.conflict_check_applies", "conflicts.services.business_hours_between",
            "conflicts.same_day.same_day_blocker",
            "leads.services.transition_check", "leads.services.lead_conversion_blocker",
            "leads.services.allowed_transitions", "leads.services.actor_kind_for",
            "portal.urgent.kind_of", "portal.urgent.is_open_urgent", "portal.urgent.clock",
            "portal.urgent.describe_acknowledgement", "portal.urgent.got_it_token", "portal.urgent.got_it_url",
            "portal.urgent.read_got_it_token", "portal.urgent.escalation_text", "portal.operations.age_text",
            "conflicts.answers.answer_link_item", "leads.capture.external_id_scope_for", "leads.capture.lead_route",
            "leads.capture.find_open_duplicate", "leads.contact_sequence.sms_intro_resume_at",
            "notifications.push.push_enabled", "notifications.push.endpoint_problem",
            "notifications.push.push_subscriptions_of", "notifications.push.push_recipients",
            "notifications.push.push_payload",
        ],
        "a read, a pure helper or words: writes nothing",
    ),
    # registrations at start-up
    "accounts.services.on_invitation_created": "a callback registration at start-up",
    "leads.contact_sequence.register_lead_texter": "a callback registration at start-up",
    "notifications.push.register_push_actions": "a callback registration at start-up",
    "portal.urgent.push_actions": "words of a push (signed links for the device's user): writes nothing",
    # the system's own rules (beat tasks, a booking's side effects): the SYSTEM actor by design
    **dict.fromkeys(
        [
            "calendars.services.appointment_send_reminder", "conflicts.services.conflicts_remind_unanswered",
            "conflicts.same_day.same_day_close_if_impossible", "conflicts.same_day.same_day_close_impossible",
            "conflicts.same_day.same_day_expire_due", "leads.services.lead_counts_add",
            "portal.urgent.urgent_escalate_due", "calendars.sources.calendar_source_refresh",
            "calendars.sources.calendar_sources_refresh", "leads.contact_sequence.lead_copy_opt_out",
            "leads.contact_sequence.contact_sequence_step", "leads.contact_sequence.contact_sequence_run_due",
            "leads.contact_sequence.lead_record_contact", "notifications.push.push_send",
        ],
        "a rule of the system (beat task or side effect), nobody's request",
    ),
    # the holder of a secret, not a role
    "accounts.services.invitation_accept": "the invitee's signed token is the permission",
    "portal.urgent.got_it_link_use": "the signed link is the permission (it acknowledges as the link's user)",
    "conflicts.answers.answer_link_use": "the signed, single-use answer link is the permission",
    "conflicts.answers.short_link_answer_page": "a read: the answer page a short link opens (signed link)",
    "conflicts.answers.sender_may_answer": "the e-mail reply's permission check (owner, manager, a listed address)",
    "conflicts.answers.conflict_reply_received": "refuses a sender sender_may_answer refuses (tests/conflicts)",
    "messaging.services.sms_inbound_receive": "Twilio's signed webhook is the permission (checked by the view)",
    "messaging.services.message_mark_read": "a user's own read state",
    "messaging.services.message_mark_unread": "a user's own read state",
    "notifications.push.push_subscription_save": "a user's own devices",
    "notifications.push.push_subscription_remove": "a user's own devices (another user's: not found)",
    # a user's own things
    "accounts.services.api_token_issue_for_owner": "refuses non-owners itself (ValidationError): see test below",
    "accounts.services.user_set_mobile": "a user's own mobile: the user is the actor",
}
WRITE_MODULES = [
    "accounts.services", "accounts.areas", "calendars.services", "calendars.availability", "calendars.sources",
    "conflicts.services", "conflicts.same_day", "conflicts.callbacks", "conflicts.answers", "leads.services",
    "leads.capture", "leads.calls", "leads.contact_sequence", "messaging.services", "notifications.resend",
    "notifications.push", "portal.urgent", "portal.operations",
]  # fmt: skip


@pytest.fixture
def world(tenant_a, agent, staff):
    return World(tenant_a, agent, staff)


def _table_refuses(action, role: str) -> bool:
    if action == "staff":  # staff-only operations (admin): every other role is refused
        return role != "staff"
    return Role(role) not in PERMISSIONS[action]


@pytest.mark.parametrize("name,action,role,call", CASES + EXTRA_CASES, ids=[case[0] for case in CASES + EXTRA_CASES])
def test_the_service_itself_refuses_a_role_the_table_refuses(world, name, action, role, call):
    assert _table_refuses(action, role), f"{role} is allowed to {action}: pick a refused role"
    with pytest.raises(PermissionDenied, match=rf"\({role}\)|Only call-center admins|Only agents|Only an agent"):
        call(world, world.people[role])


def test_api_tokens_are_issued_to_owners_only(world):
    with pytest.raises(ValidationError, match="Only owners"):
        accounts_services.api_token_issue_for_owner(actor=world.tenant.manager, name="mine")


def test_a_user_revokes_their_own_token_and_staff_anyones(world):
    mine, _ = accounts_services.api_token_issue_for_owner(actor=world.tenant.owner, name="mine")
    accounts_services.api_token_revoke(token=mine, actor=world.tenant.owner)
    theirs = world.someone_elses_token()
    accounts_services.api_token_revoke(token=theirs, actor=world.people["staff"])
    assert ApiToken.objects.active().filter(pk__in=[mine.pk, theirs.pk]).count() == 0


def test_every_write_service_is_in_the_table_or_says_why_not():
    listed = {case[0] for case in CASES} | set(NOT_ACTOR_CHECKED)
    found = set()
    for module_name in WRITE_MODULES:
        module = importlib.import_module(module_name)
        for name, obj in vars(module).items():
            if inspect.isfunction(obj) and obj.__module__ == module_name and not name.startswith("_"):
                found.add(f"{module_name}.{name}")
    assert sorted(found - listed) == [], "a new write service: add a refused-role row (or say why not)"
    assert sorted(listed - found) == []
