"""Call records (DESIGN.md "Calls and recordings"): created once per provider call id."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import LocationPhoneNumber
from accounts.permissions import Action, require
from pronexis.errors import Refused

from .models import CallRecord, Lead


# --- calls ---------------------------------------------------------------------------------
def call_record_create(*, data: dict, actor) -> tuple[CallRecord, bool]:
    """DESIGN.md "Calls": the Location comes from the number called; `provider_call_id` makes
    posting the same call twice idempotent (200 with the stored row; never two rows). Who may
    record calls: Action.RECORD_CALL on that Location (the call center, integrations' tokens).

    `data`: validated input (numbers E.164, `started_at` aware, optional `lead` object).
    Without a lead, the call is linked to the newest lead of that Location with the caller's number.
    """

    provider_call_id = data["provider_call_id"]
    existing = CallRecord.objects.filter(provider_call_id=provider_call_id).first()
    if existing is not None:
        return _same_call(existing, actor, provider_call_id), False
    number = (
        LocationPhoneNumber.objects.visible_to(actor)
        .filter(number=data["called_number"])
        .select_related("location")
        .first()
    )
    if number is None:
        raise ValidationError({"called_number": f"{data['called_number']} is not a number of any of your Locations."})
    require(actor, Action.RECORD_CALL, number.location)
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
        agent=actor if (actor.is_agent and getattr(actor, "pk", None)) else None,
        provider_call_id=provider_call_id,
    )
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        existing = CallRecord.objects.filter(provider_call_id=provider_call_id).first()
        if existing is None:
            raise
        return _same_call(existing, actor, provider_call_id), False
    return record, True


def _same_call(existing: CallRecord, actor, provider_call_id: str) -> CallRecord:
    if not CallRecord.objects.visible_to(actor).filter(pk=existing.pk).exists():
        raise Refused(f"provider_call_id “{provider_call_id}” is already recorded (a provider call id is unique).")
    require(actor, Action.RECORD_CALL, existing.location)
    return existing
