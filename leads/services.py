"""Writes of the leads capability: the transition table, capture, the contact sequence, calls.

Every rule here is DESIGN.md "Leads" (seed 003); the API, the portal, Celery tasks and the
other capabilities (calendars, conflicts, messaging) call these functions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import AreaPostalCode, LocationPhoneNumber
from accounts.permissions import SYSTEM, Action, is_call_center, require
from notifications.outbox import render_text
from pronexis.errors import Refused
from pronexis.locks import lock

from .models import CallRecord, CallTask, ContactStep, Lead, LeadStatusChange

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
    """Adds (or removes) already-saved leads to the counters (used by capture and demo data)."""
    deltas: dict = {}
    for lead in leads:
        key = (lead.brand_id, lead.location_id, lead.status)
        deltas[key] = deltas.get(key, 0) + delta
    _bump_counts(deltas)


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


# --- capture -------------------------------------------------------------------------------
CAPTURE_FIELDS = (
    "first_name",
    "last_name",
    "phone",
    "email",
    "address",
    "postal_code",
    "service",
    "source",
    "notes",
    "external_id",
    "brand",
    "location",
    "test",
)


def _fingerprint(data: dict) -> str:
    canonical = {k: data.get(k) for k in CAPTURE_FIELDS}
    canonical["brand"] = getattr(canonical["brand"], "pk", canonical["brand"])
    canonical["location"] = getattr(canonical["location"], "pk", canonical["location"])
    canonical["service"] = (canonical["service"] or "").strip().lower()
    blob = json.dumps(canonical, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _advisory_lock(*keys: str) -> None:
    """Serialize captures of the same contact at one Location (duplicate detection)."""
    with connection.cursor() as cursor:
        for key in sorted(set(keys)):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])


BRAND_SCOPE = "brand"


def external_id_scope_for(*, actor, location) -> str:
    """DESIGN.md "Round 2 contracts": an external_id is unique within the posting token's scope —
    the Location's own for a location token (its owner's lead with no area: the owner's own),
    the brand's for brand and agent tokens and for agents and staff by session. The lead found
    in a namespace is therefore always one the caller may see: a 200 or 409 names no other
    tenant's lead."""
    token = getattr(actor, "api_token", None)
    if token is None or token.scope != "location":
        return BRAND_SCOPE
    return f"location:{location.pk}" if location is not None else f"owner:{actor.pk}"


def _same_capture(existing: Lead, fingerprint: str, external_id: str) -> Lead:
    if existing.capture_fingerprint != fingerprint:
        raise Refused(
            f"external_id “{external_id}” was already used for lead {existing.pk} with a different payload "
            "(an external_id is unique within your token's scope)."
        )
    return existing


def lead_route(*, brand, postal_code: str):
    """The Location whose Area holds this normalized postal code within the brand (None = no area)."""

    if not postal_code:
        return None
    match = AreaPostalCode.objects.filter(brand=brand, postal_code=postal_code).select_related("area__location")
    row = match.first()
    return row.area.location if row else None


def find_open_duplicate(*, location, phone: str, email: str) -> Lead | None:
    """DESIGN.md "open lead": same Location, in_process/owner_action/converted, last 30 days,
    same E.164 phone or lower-cased e-mail."""
    if location is None or not (phone or email):
        return None
    match = Q()
    if phone:
        match |= Q(phone=phone)
    if email:
        match |= Q(email=email.lower())
    return (
        Lead.objects.filter(
            match,
            location=location,
            status__in=Lead.OPEN_STATUSES,
            created_at__gte=timezone.now() - timedelta(days=30),
            test=False,
        )
        .order_by("-created_at", "-id")
        .first()
    )


def lead_capture(*, data: dict, actor=None) -> tuple[Lead, bool]:
    """DESIGN.md "Capture": route, classify (test / no_area / service_not_offered / duplicate /
    in_process), store with its first status change; `external_id` makes it idempotent within
    the token's scope (external_id_scope_for).

    `data` is validated input: `brand` and `location` objects (location may be None),
    `postal_code` normalized, `phone` E.164, `email` lower-case. Returns (lead, created).
    Concurrent posts with one external_id: the partial unique constraint lets one insert win;
    the others catch the IntegrityError and answer with the stored lead (or 409).
    """
    brand = data["brand"]
    external_id = (data.get("external_id") or "").strip()
    fingerprint = _fingerprint(data)
    location = data.get("location") or lead_route(brand=brand, postal_code=data.get("postal_code") or "")
    scope = external_id_scope_for(actor=actor, location=location)
    same_id = Lead.objects.filter(brand=brand, external_id_scope=scope, external_id=external_id)
    if external_id:
        existing = same_id.first()
        if existing:
            return _same_capture(existing, fingerprint, external_id), False
    try:
        with transaction.atomic():
            lead = _capture_new(
                data=data,
                brand=brand,
                location=location,
                external_id=external_id,
                external_id_scope=scope,
                fingerprint=fingerprint,
                actor=actor,
            )
    except IntegrityError:
        if not external_id:
            raise
        existing = same_id.first()
        if existing is None:
            raise
        return _same_capture(existing, fingerprint, external_id), False
    return lead, True


def _capture_new(*, data, brand, location, external_id, external_id_scope, fingerprint, actor) -> Lead:
    postal_code = data.get("postal_code") or ""
    service_name = (data.get("service") or "").strip()
    service = None
    if service_name:
        service = brand.services.filter(name__iexact=service_name).first()
    phone, email = data.get("phone") or "", (data.get("email") or "").lower()

    lead = Lead(
        brand=brand,
        location=location,
        first_name=data.get("first_name") or "",
        last_name=data.get("last_name") or "",
        phone=phone,
        email=email,
        address=data.get("address") or "",
        postal_code=postal_code,
        service=service,
        service_name=service_name,
        source=data.get("source") or Lead.Source.API,
        external_id=external_id,
        external_id_scope=external_id_scope,
        capture_fingerprint=fingerprint,
        notes=data.get("notes") or "",
        test=bool(data.get("test")),
    )
    if location is not None:
        _advisory_lock(*[f"lead:{location.pk}:{v}" for v in (phone, email) if v])
    status, reason = S.IN_PROCESS, ""
    if lead.test:
        status = S.TEST_LEAD
    elif location is None:
        status, reason = S.SERVICES_UNAVAILABLE, R.NO_AREA
    elif service_name and not (
        service is not None and (service.book_anyway or location.services_offered.filter(pk=service.pk).exists())
    ):
        status, reason = S.SERVICES_UNAVAILABLE, R.SERVICE_NOT_OFFERED
    else:
        duplicate = find_open_duplicate(location=location, phone=phone, email=email)
        if duplicate is not None:
            status, reason, lead.duplicate_of = S.BAD_LEAD, R.DUPLICATE, duplicate
    transition_check(from_status=NEW, to_status=status, actor_kind="system", reason=reason)
    lead.status, lead.reason = status, reason
    now = timezone.now()
    lead.created_at = now
    if status == S.IN_PROCESS and ContactStep.objects.filter(brand=brand).exists():
        lead.contact_position, lead.contact_next_run_at = 0, now
    lead.save()
    _record(lead=lead, from_status=NEW, status=status, reason=reason, actor=actor, actor_kind="system", note="")
    return lead


# --- calls ---------------------------------------------------------------------------------
def call_record_create(*, data: dict, user) -> tuple[CallRecord, bool]:
    """DESIGN.md "Calls": the Location comes from the number called; `provider_call_id` makes
    posting the same call twice idempotent (200 with the stored row; never two rows).

    `data`: validated input (numbers E.164, `started_at` aware, optional `lead` object).
    Without a lead, the call is linked to the newest lead of that Location with the caller's number.
    """

    provider_call_id = data["provider_call_id"]
    existing = CallRecord.objects.filter(provider_call_id=provider_call_id).first()
    if existing is not None:
        return _same_call(existing, user, provider_call_id), False
    number = (
        LocationPhoneNumber.objects.visible_to(user)
        .filter(number=data["called_number"])
        .select_related("location")
        .first()
    )
    if number is None:
        raise ValidationError({"called_number": f"{data['called_number']} is not a number of any of your Locations."})
    lead = data.get("lead")
    if lead is not None and lead.location_id != number.location_id:
        raise ValidationError({"lead": "This lead belongs to another Location than the number called."})
    if lead is None:
        lead = (
            Lead.objects.filter(location=number.location, phone=data["caller_number"])
            .order_by("-created_at", "-id")
            .first()
        )
    record = CallRecord(
        location=number.location,
        caller_number=data["caller_number"],
        called_number=data["called_number"],
        started_at=data["started_at"],
        duration_seconds=data.get("duration_seconds") or 0,
        recording_url=data.get("recording_url") or "",
        lead=lead,
        agent=user if (user.is_agent and getattr(user, "pk", None)) else None,
        provider_call_id=provider_call_id,
    )
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        existing = CallRecord.objects.filter(provider_call_id=provider_call_id).first()
        if existing is None:
            raise
        return _same_call(existing, user, provider_call_id), False
    return record, True


def _same_call(existing: CallRecord, user, provider_call_id: str) -> CallRecord:
    if not CallRecord.objects.visible_to(user).filter(pk=existing.pk).exists():
        raise Refused(f"provider_call_id “{provider_call_id}” is already recorded (a provider call id is unique).")
    return existing


# --- automated contact sequence (ACS) and the agents' call queue ------------------------------
QUIET_START, QUIET_END = time(21, 0), time(8, 0)
CLAIM_LEASE = timedelta(minutes=10)


def quiet_hours_resume_at(*, location, now: datetime) -> datetime | None:
    """DESIGN.md: no lead SMS in 21:00–08:00 Location time; returns the next 08:00 (UTC) or None."""
    local = now.astimezone(location.zone)
    if QUIET_END <= local.time() < QUIET_START:
        return None
    day = local.date() if local.time() < QUIET_END else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_END, tzinfo=location.zone).astimezone(UTC)


def _sms_intro_applies(lead: Lead) -> bool:
    """Seed 001 / DESIGN.md: online lead, lead SMS on, a first call attempt got no answer."""
    return bool(
        lead.is_online
        and lead.location is not None
        and lead.location.lead_sms_enabled
        and lead.phone
        and not lead.sms_opted_out
        and lead.call_tasks.filter(outcome=CallTask.Outcome.NO_ANSWER).exists()
    )


# The intro text is threaded on the lead by messaging (a layer above leads): messaging registers
# its sender at start-up (messaging.apps), so leads never imports it.
_lead_texter: Callable[..., object] | None = None


def register_lead_texter(send: Callable[..., object]) -> None:
    """`send(lead=…, body=…, kind=…, idempotency_key=…)` texts a lead on its thread."""
    global _lead_texter
    _lead_texter = send


def _send_sms_intro(lead: Lead) -> None:
    context = {"lead": lead, "location": lead.location}
    body = render_text("notifications/sms/sms_intro.txt", context).strip()  # plain text: not HTML-escaped
    _lead_texter(lead=lead, body=body, kind="sms_intro", idempotency_key=f"sms_intro:{lead.pk}")


def lead_copy_opt_out(number: str, opted_out: bool) -> None:
    """A STOP/START recorded by notifications.optouts: leads with this phone follow it."""
    Lead.objects.filter(phone=number).update(sms_opted_out=opted_out)


def contact_sequence_step(*, lead_id: int) -> None:
    """Runs a lead's due ACS steps (DESIGN.md "Automated contact sequence").

    `wait` schedules the next step; `call` puts the lead in the agents' call queue and pauses
    until an outcome is recorded; `sms_intro` is skipped unless it applies and waits out quiet
    hours; running past the last step with no contact → bad_lead (acs_exhausted).
    """
    now = timezone.now()
    with transaction.atomic():
        lead = lock(Lead.objects.select_related("location")).get(pk=lead_id)
        steps = list(ContactStep.objects.filter(brand_id=lead.brand_id).order_by("position"))
        position, next_run = lead.contact_position, None
        while lead.status == S.IN_PROCESS and lead.contacted_at is None and lead.location_id:
            if position >= len(steps):
                lead_set_status(lead=lead, status=S.BAD_LEAD, reason=R.ACS_EXHAUSTED, actor=SYSTEM, actor_kind="system")
                break
            step = steps[position]
            if step.kind == ContactStep.Kind.WAIT:
                position, next_run = position + 1, now + timedelta(minutes=step.wait_minutes)
                break
            if step.kind == ContactStep.Kind.CALL:
                CallTask.objects.create(lead=lead, location_id=lead.location_id, due_at=now)
                position += 1
                break  # paused until the agent records the outcome
            if _sms_intro_applies(lead):
                resume = quiet_hours_resume_at(location=lead.location, now=now)
                if resume is not None:
                    next_run = resume
                    break
                _send_sms_intro(lead)
            position += 1
        Lead.objects.filter(pk=lead.pk).update(contact_position=position, contact_next_run_at=next_run)


def contact_sequence_run_due(*, limit: int = 500) -> int:
    """Claims due leads one by one with a conditional UPDATE (a lease, so a crashed run retries
    later and two workers never run one lead's step twice), then runs their steps."""
    now = timezone.now()
    due = list(
        Lead.objects.filter(contact_next_run_at__lte=now)
        .order_by("contact_next_run_at", "id")
        .values_list("pk", "contact_next_run_at")[:limit]
    )
    ran = 0
    for pk, run_at in due:
        if Lead.objects.filter(pk=pk, contact_next_run_at=run_at).update(contact_next_run_at=now + CLAIM_LEASE):
            contact_sequence_step(lead_id=pk)
            ran += 1
    return ran


def lead_record_contact(*, lead: Lead, at=None) -> None:
    """A recorded contact (a call reached, a text answered) stops the contact sequence (DESIGN.md
    "Automated contact sequence"); the first contact is the one kept. The calls the sequence
    queued leave the agents' queue with it (seed 001 line 17: once the lead answers by text,
    agents carry on by text) — the sequence only queues calls before the first contact, so the
    callbacks agents schedule after one stay."""
    at = at or timezone.now()
    first = Lead.objects.filter(pk=lead.pk, contacted_at__isnull=True).update(contacted_at=at)
    Lead.objects.filter(pk=lead.pk).update(contact_next_run_at=None)
    if first:
        CallTask.objects.filter(lead_id=lead.pk, completed_at__isnull=True).update(completed_at=at)


def call_task_record_outcome(*, task: CallTask, outcome: str, callback_at=None, agent) -> CallTask:
    """An agent's call attempt (DESIGN.md): no_answer continues the sequence, reached stops it,
    bad_number → bad_lead (fake_contact_info), callback_at schedules a call and keeps in_process."""
    if outcome not in CallTask.Outcome.values:
        raise ValidationError({"outcome": f"“{outcome}” is not an outcome: use {', '.join(CallTask.Outcome.values)}."})
    now = timezone.now()
    if outcome == CallTask.Outcome.CALLBACK_AT:
        if callback_at is None:
            raise ValidationError({"callback_at": "When should the lead be called back?"})
        if callback_at <= now:
            raise ValidationError({"callback_at": "A callback must be in the future."})
    elif callback_at is not None:
        raise ValidationError({"callback_at": "Only for the callback_at outcome."})
    with transaction.atomic():
        task = lock(CallTask.objects.all()).get(pk=task.pk)
        if task.completed_at is not None:
            raise Refused("This call attempt already has an outcome (one outcome per call attempt).")
        lead = lock(Lead.objects.all()).get(pk=task.lead_id)
        task.outcome, task.callback_at, task.completed_at = outcome, callback_at, now
        task.agent = agent if getattr(agent, "pk", None) else None
        task.save(update_fields=["outcome", "callback_at", "completed_at", "agent"])
        if outcome == CallTask.Outcome.NO_ANSWER:
            if lead.status == S.IN_PROCESS and lead.contacted_at is None:
                Lead.objects.filter(pk=lead.pk).update(contact_next_run_at=now)
        elif outcome == CallTask.Outcome.BAD_NUMBER:
            if lead.status == S.IN_PROCESS:
                lead_set_status(
                    lead=lead,
                    status=S.BAD_LEAD,
                    reason=R.FAKE_CONTACT_INFO,
                    actor=agent,
                    actor_kind="agent",
                    note="Bad number on a call attempt.",
                )
        else:  # reached, or reached and asked for a callback: a contact stops the sequence
            lead_record_contact(lead=lead, at=now)
            if outcome == CallTask.Outcome.CALLBACK_AT:
                if lead.status in (S.NOT_CONVERTED, S.OWNER_ACTION):
                    lead_set_status(lead=lead, status=S.IN_PROCESS, actor=agent, actor_kind="agent", note="Callback")
                CallTask.objects.create(lead=lead, location_id=task.location_id, due_at=callback_at)
    return task
