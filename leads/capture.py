"""Lead capture (DESIGN.md "Leads" → Capture): routing by postal code, duplicates, external ids, replays."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import AreaPostalCode, Location
from accounts.permissions import SYSTEM, Action, is_call_center, require
from notifications.consent import consent_record
from notifications.models import ConsentEvent
from pronexis.errors import Refused

from .models import ContactStep, Lead
from .services import NEW, R, S, _record, transition_check

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
    if data.get("sms_consent"):  # only when given: leads captured before it keep their fingerprints
        canonical["sms_consent"] = data["sms_consent"]
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


def _require_capture(actor, *, brand, location) -> None:
    """Action.CAPTURE_LEAD on the Location the lead goes to. A lead no area routes belongs to the
    brand: the actor's role on a Location of that brand they see decides (the call center may
    capture for a brand with no Location yet)."""
    if location is None and actor is not SYSTEM:
        location = Location.objects.visible_to(actor).filter(brand=brand).order_by("pk").first()
        if location is None:
            if is_call_center(actor):
                return
            raise PermissionDenied(f"Your role (none) may not {Action.CAPTURE_LEAD.value} for this brand.")
    require(actor, Action.CAPTURE_LEAD, location)


def lead_capture(*, data: dict, actor) -> tuple[Lead, bool]:
    """DESIGN.md "Capture": route, classify (test / no_area / service_not_offered / duplicate /
    in_process), store with its first status change; `external_id` makes it idempotent within
    the token's scope (external_id_scope_for).

    `data` is validated input: `brand` and `location` objects (location may be None),
    `postal_code` normalized, `phone` E.164, `email` lower-case. Returns (lead, created).
    Concurrent posts with one external_id: the partial unique constraint lets one insert win;
    the others catch the IntegrityError and answer with the stored lead (or 409).
    Who may capture: Action.CAPTURE_LEAD (the call center, integrations' tokens).
    """
    brand = data["brand"]
    external_id = (data.get("external_id") or "").strip()
    fingerprint = _fingerprint(data)
    location = data.get("location") or lead_route(brand=brand, postal_code=data.get("postal_code") or "")
    _require_capture(actor, brand=brand, location=location)
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
    consent = data.get("sms_consent")
    if consent and phone:
        consent_record(
            number=phone,
            brand=brand,
            kind=ConsentEvent.Kind.OPT_IN,
            source=ConsentEvent.Source.CAPTURE_API,
            message=consent["text"],
            source_url=consent["source_url"],
            consented_at=consent["at"],
            actor=actor,
            location=location,
        )
    return lead
