"""The automated contact sequence (DESIGN.md "ACS", seed 001) and the agents' call queue:
steps, the compliance gate's wait, the intro text, call outcomes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.permissions import SYSTEM, Action, require
from notifications.models import SmsOptOut
from notifications.outbox import render_text
from notifications.phi import phi_mode
from notifications.quiet_hours import next_allowed_instant
from pronexis.errors import Refused
from pronexis.locks import lock

from .models import CallTask, ContactStep, Lead
from .services import R, S, lead_set_status

# --- automated contact sequence (ACS) and the agents' call queue ------------------------------
CLAIM_LEASE = timedelta(minutes=10)


def sms_intro_resume_at(*, lead: Lead, now: datetime) -> datetime | None:
    """The compliance gate (notifications.quiet_hours, issue #14): the lead's own legal window —
    its number's zone and state, not the Location's — decides; returns when the sequence may
    text the lead, or None when it may now. The outbox holds the text as well (gated rows), so
    nothing reaches a lead outside its window even if this were skipped."""
    allowed = next_allowed_instant(number=lead.phone, at=now, fallback_zone=lead.location.time_zone)
    return None if allowed <= now else allowed


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
    """`send(lead=…, body=…, kind=…, idempotency_key=…, actor=…)` texts a lead on its thread."""
    global _lead_texter
    _lead_texter = send


def _send_sms_intro(lead: Lead) -> None:
    context = {"lead": lead, "location": lead.location}
    # PHI mode (notifications.phi): the intro names neither the lead nor the service asked about.
    template = "phi_sms_intro" if phi_mode(brand=lead.brand) else "sms_intro"
    body = render_text(f"notifications/sms/{template}.txt", context).strip()  # plain text: not HTML-escaped
    _lead_texter(lead=lead, body=body, kind="sms_intro", idempotency_key=f"sms_intro:{lead.pk}", actor=SYSTEM)


def lead_copy_opt_out(number: str, brand_id: int | None) -> None:
    """A consent change recorded by notifications.consent: leads with this phone in that brand
    (every brand for an every-sender change) copy the state `may_text` reads."""
    leads = Lead.objects.filter(phone=number)
    if brand_id is not None:
        leads = leads.filter(brand_id=brand_id)
    withheld = SmsOptOut.objects.filter(number=number, opted_out=True).filter(
        Q(brand__isnull=True) | Q(brand_id=OuterRef("brand_id"))
    )
    leads.update(sms_opted_out=Exists(withheld))


def contact_sequence_step(*, lead_id: int) -> None:
    """Runs a lead's due ACS steps (DESIGN.md "Automated contact sequence").

    `wait` schedules the next step; `call` puts the lead in the agents' call queue and pauses
    until an outcome is recorded; `sms_intro` is skipped unless it applies and waits for the lead's legal
    window (the compliance gate); running past the last step with no contact → bad_lead (acs_exhausted).
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
                resume = sms_intro_resume_at(lead=lead, now=now)
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


def call_task_record_outcome(*, task: CallTask, outcome: str, callback_at=None, actor) -> CallTask:
    """An agent's call attempt (DESIGN.md): no_answer continues the sequence, reached stops it,
    bad_number → bad_lead (fake_contact_info), callback_at schedules a call and keeps in_process.
    The call center only (Action.WORK_CALL_QUEUE)."""
    require(actor, Action.WORK_CALL_QUEUE, task.location)
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
        task.agent = actor if getattr(actor, "pk", None) else None
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
                    actor=actor,
                    actor_kind="agent",
                    note="Bad number on a call attempt.",
                )
        else:  # reached, or reached and asked for a callback: a contact stops the sequence
            lead_record_contact(lead=lead, at=now)
            if outcome == CallTask.Outcome.CALLBACK_AT:
                if lead.status in (S.NOT_CONVERTED, S.OWNER_ACTION):
                    lead_set_status(lead=lead, status=S.IN_PROCESS, actor=actor, actor_kind="agent", note="Callback")
                CallTask.objects.create(lead=lead, location_id=task.location_id, due_at=callback_at)
    return task
