"""No raw codes or API paths anywhere an agent reads: every console page, in the states an agent
meets (each routing action, each panel, conflicts and same-day requests answered every way,
leads in several statuses, both queues), is walked and its visible text checked for a
`snake_case` domain code (`client_home`, `back_office`, `in_process`, …) or `/api/`."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from accounts.permissions import SYSTEM
from conflicts.same_day import same_day_raise, same_day_respond
from conflicts.services import conflict_respond
from leads.models import Lead
from leads.services import lead_set_status
from tests.factories import (
    CallRecordFactory,
    CallTaskFactory,
    ConflictFactory,
    LeadFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db

SNAKE_CASE = re.compile(r"(?<![\w/@.-])[a-z]+(?:_[a-z]+)+(?![\w/@.-])")


class VisibleText(HTMLParser):
    """The text a reader sees: element text and a few attributes read aloud (labels, titles,
    placeholders) — not scripts, styles, hidden inputs or attribute values like href."""

    HIDDEN = {"script", "style", "template"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.skipping += 1
        attrs = dict(attrs)
        for name in ("aria-label", "title", "placeholder", "alt"):
            if attrs.get(name):
                self.parts.append(attrs[name])

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def raw_codes(html: str) -> list[str]:
    text = visible_text(html)
    return sorted(set(SNAKE_CASE.findall(text))) + (["/api/"] if "/api/" in text else [])


def test_the_checker_catches_a_raw_code_and_an_api_path():
    assert raw_codes("<p>Meeting: client_home</p><a href='/x_y/'>ok</a>") == ["client_home"]
    assert raw_codes("<p>POST /api/v1/same-day-requests/</p>") == ["/api/"]
    assert raw_codes('<input type="hidden" name="meeting_type" value="client_home"><p>At the home</p>') == []


@pytest.fixture
def busy_location(clock, tenant_a, open_weekdays, line_a):
    """A Location with leads in many states, every kind of answered request and both queues."""
    location = tenant_a.location
    location.brand.emergency_definition = "A client left without care."
    location.brand.save()
    location.services_offered.add(ServiceFactory(brand=location.brand, name="Companion care"))
    ServiceFactory(brand=location.brand, name="Respite care", book_anyway=True)
    owner = tenant_a.owner
    soon = timezone.now() + dt.timedelta(hours=3)
    later = timezone.now() + dt.timedelta(days=9)
    leads = {}
    for name in ("approved", "alternate", "declined", "same_day_declined", "same_day_pending", "bad"):
        leads[name] = LeadFactory(location=location, first_name=name.title(), address="12 Henry Street")
    for name, decision in (("approved", "approve"), ("alternate", "alternate"), ("declined", "decline")):
        conflict = ConflictFactory(location=location, lead=leads[name], requested_meeting_type="client_home")
        extra = {}
        if decision == "alternate":
            extra = {"alternate_start": later, "alternate_end": later + dt.timedelta(hours=1)}
            extra["alternate_meeting_type"] = "phone"
        conflict_respond(
            conflict=conflict, actor=owner, decision=decision, notes="Side door.", channel="action_center", **extra
        )
    request = same_day_raise(
        actor=SYSTEM,
        lead=leads["same_day_declined"],
        requested_start=soon,
        requested_end=soon + dt.timedelta(hours=1),
        requested_meeting_type="client_home",
    )
    same_day_respond(request=request, actor=owner, decision="decline", notes="Too late today.", channel="action_center")
    same_day_raise(
        actor=SYSTEM,
        lead=leads["same_day_pending"],
        requested_start=soon + dt.timedelta(hours=1),
        requested_end=soon + dt.timedelta(hours=2),
        requested_meeting_type="client_home",
    )
    lead_set_status(lead=leads["bad"], status="bad_lead", reason="fake_contact_info", actor=owner, actor_kind="owner")
    CallRecordFactory(location=location, lead=leads["approved"])
    CallTaskFactory(lead=leads["approved"])
    leads["brand_only"] = LeadFactory(
        location=None, brand=location.brand, status="services_unavailable", reason="no_area"
    )
    return location, leads


def console_urls(location, leads) -> list[str]:
    lead = leads["approved"]
    workspace = f"/agent/leads/{lead.pk}/"
    card = f"/agent/locations/{location.pk}/"
    thursday = "2030-03-07T13:00"
    urls = [
        "/agent/",
        "/agent/?q=Location",
        "/agent/?q=11201",
        card,
        f"{card}?lead_q=Approved",
        f"{card}?at=2030-03-04T10:30&caller_type=existing_customer&needed_within_24h=on",
        f"{card}?at=2030-03-04T20:30&caller_type=other",
        f"{card}?at=2030-03-04T10:30&caller_type=employee&employee_scheduling=on",
        f"{card}leads/new/",
        f"{card}messages/new/",
        f"{card}messages/new/?lead={lead.pk}",
        workspace,
        f"{workspace}?slot={thursday}&type=client_home",
        f"{workspace}?slot={thursday}&type=phone",
        f"{workspace}?open=conflict",
        f"{workspace}?open=same_day",
        f"{workspace}?open=message",
        f"{workspace}?slot_type=phone",
        "/agent/callbacks/",
        "/agent/calls/",
    ]
    urls += [f"/agent/leads/{other.pk}/" for other in leads.values()]
    return urls


def test_no_console_page_shows_a_raw_code_or_an_api_path(clock, console, busy_location):
    location, leads = busy_location
    found = {}
    for url in console_urls(location, leads):
        response = console.get(url)
        assert response.status_code == 200, url
        if codes := raw_codes(response.content.decode()):
            found[url] = codes
    assert found == {}
    # The walk met what it should: the owners' three conflict answers and the declined same-day
    # request wait as callbacks, and the pending one has the agent calling the owner.
    assert len(console.get("/agent/callbacks/").context["items"]) == 4
    assert "Calling the owner…" in console.get(f"/agent/leads/{leads['same_day_pending'].pk}/").content.decode()


def test_refusals_an_agent_reads_name_no_api_path(clock, console, busy_location):
    """A booking the rules refuse is explained in words (the API's path is for integrations)."""
    location, leads = busy_location
    saturday = "2030-03-09T10:00"  # outside availability, no approval
    response = console.post(
        f"/agent/leads/{leads['approved'].pk}/book/", {"start": saturday, "minutes": 60, "meeting_type": "office"}
    )
    assert response.status_code == 400
    assert raw_codes(response.content.decode()) == []
    response = console.post(f"/agent/callbacks/{leads['approved'].callbacks.get().pk}/close/", {"outcome": ""})
    assert response.status_code == 400 and raw_codes(response.content.decode()) == []


def test_a_lead_in_every_status_reads_in_words(clock, console, tenant_a):
    for status in Lead.Status.values:
        lead = LeadFactory(location=tenant_a.location, status=status)
        assert raw_codes(console.get(f"/agent/leads/{lead.pk}/").content.decode()) == [], status
