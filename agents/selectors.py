"""Reads the agent console needs that no other capability provides (small, fixed query counts).

The console adds no rules: lead, calendar, conflict and messaging reads come from those apps'
selectors. What lives here is only how an agent *finds* things: a Location by the number
called, a postal code, a brand or a name; and a Location's catalog facts for its card.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from accounts.models import Brand, Location, LocationPhoneNumber, Service
from accounts.normalize import normalize_phone, normalize_postal_code
from calendars.selectors import appointments_for_lead
from conflicts.selectors import lead_requests
from leads.models import Lead
from leads.selectors import lead_search, lead_timeline
from messaging.routing import PERIOD_WORDS, period_of
from messaging.selectors import sms_thread
from notifications.consent import consent_history, may_text

SEARCH_LIMIT = 50


@dataclass
class LocationMatch:
    location: Location
    matched: str  # number | postal_code | name | brand


def _as_phone(q: str) -> str:
    if sum(ch.isdigit() for ch in q) < 7:
        return ""
    try:
        return normalize_phone(q)
    except ValidationError:
        return ""


def _as_postal_code(q: str) -> str:
    try:
        return normalize_postal_code(q)
    except ValidationError:
        return ""


def location_search(*, user, q: str = "", brand_id: int | None = None) -> list[LocationMatch]:
    """Locations for a call: the number called (LocationPhoneNumber), a postal code (an Area's,
    within the brand when one is chosen), or a name; a brand alone lists its Locations.
    One query (the matching Locations with their brand), however the term was read."""
    q = (q or "").strip()
    locations = Location.objects.visible_to(user).filter(is_active=True).select_related("brand")
    if brand_id:
        locations = locations.filter(brand_id=brand_id)
    if not q and not brand_id:
        return []
    phone, postal_code = _as_phone(q), _as_postal_code(q)
    if q:
        match = Q(name__icontains=q) | Q(brand__name__icontains=q)
        if phone:
            match |= Q(phone_numbers__number=phone)
        if postal_code:
            match |= Q(areas__postal_codes__postal_code=postal_code)
        locations = locations.filter(match)
    rows = list(locations.distinct().order_by("name", "id")[:SEARCH_LIMIT])
    if not q:
        return [LocationMatch(location, "brand") for location in rows]
    how = "number" if phone else "postal_code" if postal_code else "name"
    return [LocationMatch(location, how) for location in rows]


def brands_for(user) -> QuerySet:
    """Brands of the Locations the user sees (the search form's brand filter)."""
    return Brand.objects.filter(locations__in=Location.objects.visible_to(user)).distinct().order_by("name")


@dataclass
class LocationCatalog:
    phone_numbers: list[LocationPhoneNumber]
    services_offered: list[Service]
    book_anyway: list[Service]  # the brand's "book anyway" services the Location does not offer


def location_catalog(location: Location) -> LocationCatalog:
    """The card's lists — three queries: numbers called, services offered, the brand's
    "book anyway" services (Book Everything policy)."""
    numbers = list(LocationPhoneNumber.objects.filter(location=location).order_by("purpose", "number"))
    offered = list(location.services_offered.order_by("name"))
    offered_ids = {service.pk for service in offered}
    book_anyway = [
        service
        for service in Service.objects.filter(brand_id=location.brand_id, book_anyway=True).order_by("name")
        if service.pk not in offered_ids
    ]
    return LocationCatalog(phone_numbers=numbers, services_offered=offered, book_anyway=book_anyway)


def leads_at_location(*, location: Location, q: str, limit: int = 20) -> list:
    """The card's "find the lead": name, phone or e-mail at this Location, newest first — one query."""

    q = (q or "").strip()
    if not q:
        return []
    digits = "".join(ch for ch in q if ch.isdigit())
    queryset = Lead.objects.filter(location=location)
    if len(digits) >= 7:  # a phone typed any way: match its E.164 form
        phone = _as_phone(q)
        return list(queryset.filter(phone=phone).order_by("-created_at", "-id")[:limit]) if phone else []
    return list(lead_search(queryset, q).order_by("-created_at", "-id")[:limit])


def lead_of_location(*, location: Location, lead_id) -> object | None:
    """A lead of this Location by id (None for any other) — for forms that name a lead."""

    if not lead_id:
        return None
    return Lead.objects.filter(location=location, pk=lead_id).first()


CONSENT_SHOWN = 20


@dataclass
class LeadWorkspace:
    timeline: list
    appointments: list
    conflicts: list
    same_day_requests: list
    sms: list
    sms_opted_out: bool
    consent: list  # the consent ledger of the lead's number toward its brand, newest first

    @property
    def approvals(self) -> list[tuple[str, object, str]]:
        """The owner's approvals a booking may use: approved conflicts, conflicts with the owner's
        alternate (for that alternate) and approved same-day requests."""
        found = [
            (f"conflict:{c.pk}", c, f"Approved conflict #{c.pk}") for c in self.conflicts if c.status == "approved"
        ]
        found += [
            (f"conflict:{c.pk}", c, f"Owner's alternate, conflict #{c.pk}")
            for c in self.conflicts
            if c.status == "alternate_suggested" and c.alternate_start
        ]
        found += [
            (f"same_day:{r.pk}", r, f"Approved same-day request #{r.pk}")
            for r in self.same_day_requests
            if r.status == "approved"
        ]
        return found


def lead_workspace(*, lead) -> LeadWorkspace:
    """Everything the lead workspace shows, from the owning capabilities' selectors — nine
    queries (status changes, calls, call attempts, appointments, conflicts, same-day requests,
    SMS thread, opt-out, consent ledger) whatever the number of rows."""

    requests = lead_requests(lead=lead)
    return LeadWorkspace(
        timeline=lead_timeline(lead=lead),
        appointments=appointments_for_lead(lead),
        conflicts=requests["lead_conflicts"],
        same_day_requests=requests["lead_same_day_requests"],
        sms=list(sms_thread(lead=lead)),
        sms_opted_out=bool(lead.sms_opted_out or (lead.phone and not may_text(lead.phone, lead.brand_id))),
        consent=list(consent_history(lead.phone, lead.brand_id)[:CONSENT_SHOWN]) if lead.phone else [],
    )


@dataclass
class OpenState:
    is_open: bool
    words: str


def open_state(location: Location, local_now) -> OpenState:
    """Open or closed now, in the words an agent tells a caller (DESIGN.md routing periods)."""

    period = period_of(local_now)
    if not location.takes_bookings:
        return OpenState(False, "Answering service only: take a message")
    if location.plan == Location.Plan.TWENTY_FOUR_SEVEN:
        if period == "night":
            return OpenState(False, "Closed now (night): take a message, emergencies included")
        if period == "business_hours":
            return OpenState(True, "Open now: business hours")
        return OpenState(True, f"Open now ({PERIOD_WORDS[period]}): only emergencies are transferred")
    if period == "business_hours":
        return OpenState(True, "Open now: business hours (Mon–Fri 9:00–17:00)")
    return OpenState(False, f"Closed now ({PERIOD_WORDS[period]})")
