"""The audit trail (issue #14): PostgreSQL triggers written by django-pghistory record every
insert, update and delete of the rows below, whatever wrote them (a view, the API, admin, a
task, a shell), with the pghistory context of who and through which channel (audit/context.py).

Each tracked model gets an event model here (app_label "audit"), snapshotting only the fields
an owner or staff need to answer "who changed what": secrets (the calendar feed secret, token
hashes, TOTP keys) are never copied into the trail."""

from __future__ import annotations

import pghistory
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiToken, Invitation, Location, Membership
from calendars.models import Appointment, AvailabilityException, AvailabilityWindow
from conflicts.models import Conflict, SameDayRequest
from leads.models import Lead
from notifications.models import SmsOptOut


def _track(model, fields: list[str], name: str):
    # New trackers each time: pghistory binds an update tracker's condition to the model's fields.
    trackers = (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
    pghistory.track(*trackers, fields=fields, app_label="audit", model_name=name)(model)


LOCATION_SETTINGS = [
    "name", "address", "city", "region", "postal_code", "time_zone", "plan", "billing", "back_office",
    "after_hours", "mobile", "notification_emails", "sms_distribution_enabled", "sms_distribution_list",
    "lead_sms_enabled", "meeting_types", "slot_minutes", "buffer_minutes", "minimum_notice_minutes",
    "require_two_factor", "is_active",
]  # fmt: skip
_track(Location, LOCATION_SETTINGS, "LocationEvent")
_track(Membership, ["user", "location", "role"], "MembershipEvent")
_track(Invitation, ["location", "email", "role", "invited_by", "accepted_at", "revoked_at"], "InvitationEvent")
_track(ApiToken, ["name", "user", "scope", "brand", "prefix", "revoked_at"], "ApiTokenEvent")
_track(
    AvailabilityWindow, ["location", "weekday", "start_time", "end_time", "meeting_types"], "AvailabilityWindowEvent"
)
_track(
    AvailabilityException,
    ["location", "date", "kind", "start_time", "end_time", "meeting_types", "note"],
    "AvailabilityExceptionEvent",
)
_track(Lead, ["location", "brand", "status", "reason"], "LeadStatusEvent")
_track(
    Appointment,
    ["location", "lead", "start", "end", "meeting_type", "status", "forced", "cancel_reason"],
    "AppointmentEvent",
)
_track(
    Conflict,
    ["location", "lead", "kind", "status", "decision", "owner_notes", "alternate_start", "alternate_meeting_type",
     "responded_by", "response_channel"],
    "ConflictEvent",
)  # fmt: skip
_track(
    SameDayRequest,
    ["location", "lead", "status", "owner_notes", "responded_by", "response_channel"],
    "SameDayRequestEvent",
)
_track(SmsOptOut, ["number", "opted_out"], "SmsOptOutEvent")
# Two-factor devices: set up, confirmed, removed or reset by staff (never their keys).
_track(TOTPDevice, ["user", "name", "confirmed"], "TOTPDeviceEvent")
_track(StaticDevice, ["user", "name", "confirmed"], "RecoveryCodesEvent")
