"""Writes of the leads capability: the transition table as data and the one locked
`lead_set_status`, the status counters. Capture is `capture.py`, call records `calls.py`, the
contact sequence and the call queue `contact_sequence.py`.

Every rule here is DESIGN.md "Leads" (seed 003); the API, the portal, Celery tasks and the
other capabilities (calendars, conflicts, messaging) call these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from accounts.permissions import SYSTEM, Action, is_call_center, require
from pronexis.errors import Refused
from pronexis.locks import lock

from .models import Lead, LeadStatusChange
from .rollups import lead_changes, lead_status_moved, rollup_add

S = Lead.Status
R = Lead.Reason
NEW = ""  # the "from" of a lead being created


@dataclass(frozen=True)
class Transition:
    """One row of DESIGN.md's transition table."""

    sources: frozenset[str]  # statuses it moves from ("" = a new lead); empty set = any existing status
    to: str
    actors: frozenset[str]
    reasons: frozenset[str] | None  # allowed (and then required) reasons; None = free text, optional
    when: str


def _t(sources, to, actors, reasons, when) -> Transition:
    return Transition(frozenset(sources), to, frozenset(actors), None if reasons is None else frozenset(reasons), when)


ANY_EXISTING: frozenset[str] = frozenset()

TRANSITIONS: tuple[Transition, ...] = (
    _t([NEW], S.IN_PROCESS, ["system"], None, "a new lead with contact steps or callbacks ahead"),
    _t(
        [NEW],
        S.SERVICES_UNAVAILABLE,
        ["system"],
        [R.NO_AREA, R.SERVICE_NOT_OFFERED],
        "postal code in no area or service neither offered nor “book anyway”",
    ),
    _t([NEW], S.BAD_LEAD, ["system"], [R.DUPLICATE], "a duplicate of an open lead"),
    _t([NEW], S.TEST_LEAD, ["system"], None, "captured as a test"),
    _t(
        [S.IN_PROCESS, S.NOT_CONVERTED, S.CANCELLED, S.OWNER_ACTION],
        S.CONVERTED,
        ["system"],
        None,
        "an appointment is booked or a sale recorded",
    ),
    _t([S.CONVERTED], S.CANCELLED, ["system"], None, "its appointment or sale is cancelled"),
    _t([S.IN_PROCESS], S.NOT_CONVERTED, ["agent"], [R.REFUSED], "the lead refused after a presentation"),
    _t(
        [S.IN_PROCESS],
        S.BAD_LEAD,
        ["agent"],
        [R.FAKE_CONTACT_INFO, R.DID_NOT_REQUEST],
        "fake contact information or the lead did not request information",
    ),
    _t([S.IN_PROCESS], S.BAD_LEAD, ["system"], [R.ACS_EXHAUSTED], "the contact sequence ended with no contact"),
    _t(
        [S.IN_PROCESS],
        S.OWNER_ACTION,
        ["agent", "system"],
        [R.TRANSFERRED, R.MESSAGED, R.BOOKED_DIRECTLY],
        "sent to the owner by transfer or message, or already booked with the owner",
    ),
    _t(
        [S.IN_PROCESS, S.NOT_CONVERTED],
        S.SERVICES_UNAVAILABLE,
        ["agent"],
        [R.NO_AREA, R.SERVICE_NOT_OFFERED],
        "a service out of scope found on the call",
    ),
    _t(
        [S.NOT_CONVERTED, S.OWNER_ACTION],
        S.IN_PROCESS,
        ["agent", "staff"],
        None,
        "the lead calls back or a callback is scheduled",
    ),
    _t([S.BAD_LEAD], S.IN_PROCESS, ["staff"], None, "call-center staff reopen a bad lead"),
    _t(ANY_EXISTING, S.TEST_LEAD, ["staff", "owner", "manager"], None, "a test"),
    _t(
        [S.IN_PROCESS, S.OWNER_ACTION],
        S.BAD_LEAD,
        ["owner", "manager"],
        [R.FAKE_CONTACT_INFO, R.DID_NOT_REQUEST],
        "the owner reports fake contact information or that the lead did not request information",
    ),
    _t(
        [S.IN_PROCESS],
        S.OWNER_ACTION,
        ["owner", "manager"],
        [R.BOOKED_DIRECTLY],
        "the owner already booked the lead directly",
    ),
)

ACTOR_KINDS = frozenset(LeadStatusChange.ActorKind.values)


def _label(status: str) -> str:
    return "(new)" if status == NEW else status


def _matches_source(transition: Transition, from_status: str) -> bool:
    if not transition.sources:
        return from_status != NEW
    return from_status in transition.sources


def transition_check(*, from_status: str, to_status: str, actor_kind: str, reason: str = "") -> Transition:
    """The table row allowing this change; Refused (naming the rule, also for a reason the rule
    does not allow) or ValidationError when a required reason is missing.

    Same status to same status is never a transition (DESIGN.md's table has no such row).
    """
    if actor_kind not in ACTOR_KINDS:
        raise ValueError(f"Unknown actor kind {actor_kind!r}")
    if to_status not in S.values:
        raise ValidationError({"status": f"“{to_status}” is not a lead status."})
    if from_status == to_status:
        raise Refused(f"The lead is already {to_status}.")
    rows = [t for t in TRANSITIONS if t.to == to_status and _matches_source(t, from_status)]
    if not rows:
        sources = sorted({_label(s) for t in TRANSITIONS if t.to == to_status for s in t.sources} or {"any"})
        raise Refused(
            f"No rule moves a lead from {_label(from_status)} to {to_status}: "
            f"{to_status} is reached only from {', '.join(sources)}."
        )
    allowed = [t for t in rows if actor_kind in t.actors]
    if not allowed:
        who = sorted({a for t in rows for a in t.actors})
        raise Refused(
            f"Only {' or '.join(who)} may move a lead from {_label(from_status)} to {to_status} "
            f"(when {rows[0].when}); not {actor_kind}."
        )
    for t in allowed:
        if t.reasons is None or reason in t.reasons:
            return t
    reasons = sorted({r for t in allowed for r in (t.reasons or ())})
    if not reason:
        raise ValidationError({"reason": f"A reason is required to move a lead to {to_status}: {', '.join(reasons)}."})
    # A reason the table does not allow for this change is the rule refusing it (409, DESIGN.md
    # "REST API"), like a refused transition — not malformed input.
    raise Refused(f"“{reason}” is not a reason for {to_status} by {actor_kind}: use {', '.join(reasons)}.")


def lead_conversion_blocker(lead: Lead) -> str:
    """Why a booking could not convert this lead ("" when it can): the transition table decides
    (seed 003: a bad lead or a test lead is not booked). A converted lead stays converted."""
    if lead.status == S.CONVERTED:
        return ""
    try:
        transition_check(from_status=lead.status, to_status=S.CONVERTED, actor_kind="system")
    except Refused:
        why = f" ({lead.reason})" if lead.reason else ""
        return f"the lead is {lead.get_status_display().lower()}{why} and cannot be booked."
    return ""


def allowed_transitions(*, from_status: str, actor_kind: str) -> list[tuple[str, str | None]]:
    """(to_status, reason) pairs the table allows this actor from this status (for the UI)."""
    out: list[tuple[str, str | None]] = []
    for t in TRANSITIONS:
        if actor_kind in t.actors and _matches_source(t, from_status) and t.to != from_status:
            for reason in sorted(t.reasons) if t.reasons else [None]:
                if (t.to, reason) not in out:
                    out.append((t.to, reason))
    return out


# --- counters ------------------------------------------------------------------------------
def _bump_counts(deltas: dict[tuple[int, int | None, str], int]) -> None:
    """Atomic upsert of LeadStatusCount rows (brand, location, status) += delta."""
    rows = [(b, loc, s, d) for (b, loc, s), d in sorted(deltas.items(), key=lambda kv: str(kv[0])) if d]
    if not rows:
        return
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    params = [v for row in rows for v in row]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO leads_leadstatuscount (brand_id, location_id, status, count) VALUES "
            + values
            + " ON CONFLICT ON CONSTRAINT lead_status_count_unique DO UPDATE"
            " SET count = leads_leadstatuscount.count + EXCLUDED.count",
            params,
        )


def lead_counts_add(leads, delta: int = 1) -> None:
    """Adds (or removes) already-saved leads to the counters and daily rollups (demo data, fixtures)."""
    leads = list(leads)
    deltas: dict = {}
    for lead in leads:
        key = (lead.brand_id, lead.location_id, lead.status)
        deltas[key] = deltas.get(key, 0) + delta
    _bump_counts(deltas)
    rollup_add(lead_changes(leads, delta))


def actor_kind_for(user, location) -> str:
    """The transition table's actor kind for a user on a lead's Location (None = brand-only lead)."""
    if location is None:  # a brand-only lead: only the call center works it
        if is_call_center(user):
            return "staff" if getattr(user, "api_token", None) is None and user.is_staff else "agent"
        raise PermissionDenied("Your role may not change this lead's status.")
    return require(user, Action.SET_LEAD_STATUS, location).value


def _check_actor_kind(actor, lead: Lead, actor_kind: str) -> None:
    """The caller's `actor_kind` must be one the actor holds: "system" only for the explicit
    system actor; "agent" for the call center (staff work the console as agents); owner,
    manager and staff for that role on the lead's Location."""
    if actor_kind == "system":
        if actor is not SYSTEM:
            raise PermissionDenied("Only the system moves a lead as the system.")
        return
    if actor is None or actor is SYSTEM:
        raise PermissionDenied(f"Sign in to change a lead's status as {actor_kind}.")
    if actor_kind == "agent" and is_call_center(actor):
        return
    held = actor_kind_for(actor, lead.location)
    if held != actor_kind:
        raise PermissionDenied(f"Your role ({held}) may not change a lead's status as {actor_kind}.")


# --- the status service --------------------------------------------------------------------
def _record(*, lead: Lead, from_status: str, status: str, reason: str, actor, actor_kind: str, note: str):
    now = timezone.now()
    change = LeadStatusChange.objects.create(
        lead=lead,
        location_id=lead.location_id,
        from_status=from_status,
        to_status=status,
        reason=reason,
        note=note,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_kind=actor_kind,
        created_at=now,
    )
    deltas = {(lead.brand_id, lead.location_id, status): 1}
    if from_status:
        deltas[(lead.brand_id, lead.location_id, from_status)] = -1
    _bump_counts(deltas)
    lead_status_moved(lead=lead, from_status=from_status, to_status=status)
    return change


def _check_same_day_handover(lead: Lead, *, status: str, actor_kind: str, reason: str) -> None:
    """Seed 000 / DESIGN.md "Same-day requests": for a lead with a same-day request the call
    center cannot hand the lead to the owner (transfer, message) without a booking — the owner
    approves (booked) or declines (the lead books later or refuses → not_converted)."""
    if status != S.OWNER_ACTION or actor_kind not in ("agent", "system") or reason == R.BOOKED_DIRECTLY:
        return
    if lead.same_day_requests.exists() and not lead.appointments.filter(status="booked").exists():
        raise Refused(
            "This lead has a same-day request: the agent cannot hand it to the owner without a booking. "
            "Book it (booked later) or record that the lead refused (not_converted)."
        )


def lead_set_status(
    *, lead: Lead, status: str, reason: str = "", actor, actor_kind: str, note: str = ""
) -> LeadStatusChange:
    """DESIGN.md "Leads" transition table: the one way a lead's status changes.

    The actor must hold `actor_kind` (`_check_actor_kind`; tasks pass `accounts.permissions.SYSTEM`).
    Locks the lead row, checks the table (Refused naming the rule, a reason it does not allow
    included; ValidationError on a missing reason), writes the LeadStatusChange and moves the
    status counters in the same transaction. Leaving `in_process` stops the automated contact sequence.
    """
    _check_actor_kind(actor, lead, actor_kind)
    reason = (reason or "").strip()
    limit = Lead._meta.get_field("reason").max_length
    if len(reason) > limit:  # checked before the database (a longer value would be a 500)
        raise ValidationError({"reason": f"A reason is at most {limit} characters."})
    with transaction.atomic():
        locked = lock(Lead.objects.all()).get(pk=lead.pk)
        transition_check(from_status=locked.status, to_status=status, actor_kind=actor_kind, reason=reason)
        _check_same_day_handover(locked, status=status, actor_kind=actor_kind, reason=reason)
        from_status = locked.status
        fields = {"status": status, "reason": reason, "updated_at": timezone.now()}
        if status != S.IN_PROCESS:
            fields["contact_next_run_at"] = None
        Lead.objects.filter(pk=locked.pk).update(**fields)
        for name, value in fields.items():
            setattr(lead, name, value)
        return _record(
            lead=lead,
            from_status=from_status,
            status=status,
            reason=reason,
            actor=actor,
            actor_kind=actor_kind,
            note=note,
        )
