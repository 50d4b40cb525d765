"""Who may do what: the one permission entry point (DESIGN.md "Round 2 contracts" → Layout).

A user's role on a Location comes from `accounts.scoping.role_for` (membership, brand
leadership, the Agents group, staff, or the API token's scope); `PERMISSIONS` says which roles
may take each action. Write services call `require(actor, action, location)`, so a view, an API
view, an admin action or a task cannot forget it; views only turn the refusal into a 403.
A task or a rule acting on nobody's behalf passes the explicit `SYSTEM` actor.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied


class Role(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    VIEWER = "viewer"
    BRAND = "brand"  # brand leadership: reads every Location of the brand
    AGENT = "agent"  # the Agents group or an agent-scoped API token
    STAFF = "staff"  # call-center admin (a session; a staff user's token has its own scope)
    INTEGRATION = "integration"  # a brand-scoped API token


class Action(StrEnum):
    """The domain's actions, each with the words a refusal uses ("Your role (viewer) may not …")."""

    MANAGE_TEAM = "change the team"
    INVITE = "invite team members"
    OPEN_SETTINGS = "open the settings"
    CHANGE_SETTINGS = "change the settings"
    CHANGE_CALENDAR_FEED = "change the calendar feed"
    EDIT_AVAILABILITY = "edit the availability"
    SEARCH_SLOTS = "search slots"
    BOOK = "book appointments"
    CHANGE_APPOINTMENT = "change appointments"  # reschedule, completed / no-show, cancel in the portal
    CANCEL_APPOINTMENT = "cancel appointments"  # the API's cancel, agents included
    SET_LEAD_STATUS = "change a lead's status"
    REPORT_LEAD = "report or reopen a lead from its page"  # the lead page's owner actions
    ANSWER = "answer conflicts or same-day requests"
    RECORD_PHONE_ANSWER = "record an answer given by phone"
    WORK_CALLBACKS = "work the callback queue"
    READ_ACTIVITY = "read the activity history"
    MANAGE_CALENDAR_SOURCES = "manage the calendars read as busy time"  # the owner's own calendars
    ACKNOWLEDGE = "acknowledge urgent items"  # "Got it" on urgent messages and same-day requests
    HANDLE_MESSAGE = "mark a message called back"
    DISMISS_DELIVERY = "dismiss a failed delivery"
    RECEIVE_PUSH = "receive push notifications of the Action Center's items"  # on their own devices
    RECORD_NO_TEXTS = "record that a lead asked not to be texted"  # on a call (the consent ledger)
    EXPORT_CONSENT = "export the texting consent ledger"
    CAPTURE_LEAD = "capture leads"  # the console's form, the capture API
    RECORD_CALL = "record calls"  # the call records API (provider call ids)
    RAISE_CONFLICT = "raise conflicts"
    REQUEST_SAME_DAY = "ask for same-day approvals"
    WORK_CALL_QUEUE = "record call attempts of the call queue"
    TAKE_MESSAGE = "take office messages"
    TEXT_LEAD = "text leads"


_OWNERS = frozenset({Role.OWNER})
_EDITORS = frozenset({Role.OWNER, Role.MANAGER, Role.STAFF})
_CALL_CENTER = frozenset({Role.AGENT, Role.STAFF})
# Leads and calls come in from the call center and from integrations: a brand token, or an
# owner's Location token (their own web form; the token acts as its owner). The API refuses an
# owner's session before the service (leads.api.CanCapture: owners read leads in the portal).
_INTAKE = _CALL_CENTER | {Role.INTEGRATION, Role.OWNER}
# Roles a Membership row holds (the rest come from brand leadership, the Agents group, staff, tokens).
MEMBER_ROLES = frozenset({Role.OWNER, Role.MANAGER, Role.VIEWER})

PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.MANAGE_TEAM: _OWNERS,
    Action.INVITE: _OWNERS,
    Action.OPEN_SETTINGS: _OWNERS,
    Action.CHANGE_SETTINGS: _OWNERS,
    Action.CHANGE_CALENDAR_FEED: _OWNERS | {Role.STAFF},  # staff regenerate leaked feeds in bulk
    Action.EDIT_AVAILABILITY: _EDITORS,
    Action.SEARCH_SLOTS: _EDITORS | _CALL_CENTER,
    Action.BOOK: _CALL_CENTER,
    Action.CHANGE_APPOINTMENT: _EDITORS,
    Action.CANCEL_APPOINTMENT: _EDITORS | _CALL_CENTER,
    Action.SET_LEAD_STATUS: frozenset({Role.OWNER, Role.MANAGER}) | _CALL_CENTER,
    Action.REPORT_LEAD: _EDITORS,
    Action.ANSWER: frozenset({Role.OWNER, Role.MANAGER}),
    Action.RECORD_PHONE_ANSWER: _CALL_CENTER,
    Action.WORK_CALLBACKS: _CALL_CENTER,
    Action.READ_ACTIVITY: _OWNERS,
    # The owner's personal calendars and their app passwords: owners (staff in admin).
    Action.MANAGE_CALENDAR_SOURCES: frozenset({Role.OWNER, Role.STAFF}),
    Action.ACKNOWLEDGE: frozenset({Role.OWNER, Role.MANAGER}),
    Action.HANDLE_MESSAGE: frozenset({Role.OWNER, Role.MANAGER}),
    Action.DISMISS_DELIVERY: frozenset({Role.OWNER, Role.MANAGER}),
    # Everyone of the Location who reads its Action Center; brand leadership reads many
    # Locations and is not paged for each one's conflicts.
    Action.RECEIVE_PUSH: MEMBER_ROLES,
    Action.RECORD_NO_TEXTS: _CALL_CENTER,
    # The ledger holds the leads' own words and who acted: the owner's, like the activity history.
    Action.EXPORT_CONSENT: _OWNERS,
    Action.CAPTURE_LEAD: _INTAKE,
    Action.RECORD_CALL: _INTAKE,
    # What agents do on a call (the console and the agents' API); owners answer, never raise.
    Action.RAISE_CONFLICT: _CALL_CENTER,
    Action.REQUEST_SAME_DAY: _CALL_CENTER,
    Action.WORK_CALL_QUEUE: _CALL_CENTER,
    Action.TAKE_MESSAGE: _CALL_CENTER,
    Action.TEXT_LEAD: _CALL_CENTER,
}


class _System:
    """The explicit actor of rules nobody triggers by hand (a task, a booking's side effect)."""

    is_authenticated = True
    is_staff = is_agent = False
    pk = None

    def __repr__(self):
        return "SYSTEM"

    def __str__(self):
        return "the system"


SYSTEM = _System()


def is_call_center(user) -> bool:
    """An agent (the Agents group or an agent-scoped token) or a staff user by session — not a
    staff user's location or brand token, which acts with that token's scope only."""
    if user is None or not user.is_authenticated or user is SYSTEM:
        return False
    token = getattr(user, "api_token", None)
    if token is not None:
        return token.scope == "agent"
    return bool(user.is_agent or user.is_staff)


def role(user, location) -> Role | None:
    """The user's role on `location` (a Location or its id); None when they have none."""
    from .scoping import role_for

    if user is None or user is SYSTEM:
        return None
    value = role_for(user, location)
    return Role(value) if value else None


def roles_for(action: Action) -> frozenset[Role]:
    return PERMISSIONS[action]


def can(user, action: Action, location) -> bool:
    """Whether `user` may take `action` on `location`; the system actor may do anything."""
    if user is SYSTEM:
        return True
    return role(user, location) in PERMISSIONS[action]


def require(user, action: Action, location, message: str = "") -> Role | None:
    """`can` or PermissionDenied (403) naming the role and the action."""
    if user is SYSTEM:
        return None
    found = role(user, location)
    if found not in PERMISSIONS[action]:
        raise PermissionDenied(message or f"Your role ({found or 'none'}) may not {action.value}.")
    return found


def require_call_center(user, message: str = "Only call-center agents may do this.") -> None:
    """Agent-only pages and operations answer 403 before any lookup."""
    if not is_call_center(user):
        raise PermissionDenied(message)


def require_staff(user, message: str = "Only call-center admins may do this.") -> None:
    """Back-office operations across brands (area imports, bulk actions, the operations
    overview): staff by session only, never a token."""
    if user is SYSTEM:
        return
    if user is None or not user.is_authenticated or getattr(user, "api_token", None) is not None or not user.is_staff:
        raise PermissionDenied(message)


def location_ids_where(user, action: Action):
    """A subquery of the Locations where a member's role allows `action` (owner/manager/viewer
    memberships only; staff and agents are decided by `can` on the row)."""
    from .scoping import location_ids_with_role

    return location_ids_with_role(user, [r.value for r in PERMISSIONS[action] & MEMBER_ROLES])
