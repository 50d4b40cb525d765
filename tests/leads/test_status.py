"""DESIGN.md "Leads" transition table: every allowed row, and everything else refused."""

import itertools

import pytest
from django.core.exceptions import ValidationError

from accounts.permissions import SYSTEM
from leads.models import Lead, LeadStatusChange, LeadStatusCount
from leads.services import actor_kind_for, lead_set_status, transition_check
from pronexis.errors import Refused
from tests.conftest import session_api
from tests.factories import LeadFactory, agent_client

S = Lead.Status
ACTORS = ["system", "agent", "staff", "owner", "manager"]
EXISTING = list(S.values)

# Written out by hand from the table: (from, to, actor, reason). "" = new lead; reason None = free.
ALLOWED = set()


def allow(sources, to, actors, reasons):
    for source, actor, reason in itertools.product(sources, actors, reasons):
        ALLOWED.add((source, to, actor, reason))


allow([""], "in_process", ["system"], [None])
allow([""], "services_unavailable", ["system"], ["no_area", "service_not_offered"])
allow([""], "bad_lead", ["system"], ["duplicate"])
allow([""], "test_lead", ["system"], [None])
allow(["in_process", "not_converted", "cancelled", "owner_action"], "converted", ["system"], [None])
allow(["converted"], "cancelled", ["system"], [None])
allow(["in_process"], "not_converted", ["agent"], ["refused"])
allow(["in_process"], "bad_lead", ["agent"], ["fake_contact_info", "did_not_request"])
allow(["in_process"], "bad_lead", ["system"], ["acs_exhausted"])
allow(["in_process"], "owner_action", ["agent", "system"], ["transferred", "messaged", "booked_directly"])
allow(["in_process", "not_converted"], "services_unavailable", ["agent"], ["no_area", "service_not_offered"])
allow(["not_converted", "owner_action"], "in_process", ["agent", "staff"], [None])
allow(["bad_lead"], "in_process", ["staff"], [None])
allow([s for s in EXISTING if s != "test_lead"], "test_lead", ["staff", "owner", "manager"], [None])
allow(["in_process", "owner_action"], "bad_lead", ["owner", "manager"], ["fake_contact_info", "did_not_request"])
allow(["in_process"], "owner_action", ["owner", "manager"], ["booked_directly"])

ALL_REASONS = list(Lead.Reason.values)


def _pairs_allowed(source, to, actor):
    return {reason for (s, t, a, reason) in ALLOWED if (s, t, a) == (source, to, actor)}


def test_the_whole_matrix_matches_the_table():
    """Every (from, to, actor): allowed with the listed reasons; refused (409) otherwise — a missing
    required reason is a 400 (ValidationError on `reason`)."""
    for source, to, actor in itertools.product([""] + EXISTING, EXISTING, ACTORS):
        reasons = _pairs_allowed(source, to, actor)
        if not reasons:
            with pytest.raises(Refused):
                transition_check(from_status=source, to_status=to, actor_kind=actor, reason="")
            continue
        if None in reasons:
            transition_check(from_status=source, to_status=to, actor_kind=actor, reason="")
            transition_check(from_status=source, to_status=to, actor_kind=actor, reason="free text is fine")
        else:
            for reason in reasons:
                transition_check(from_status=source, to_status=to, actor_kind=actor, reason=reason)
            with pytest.raises(ValidationError) as missing:
                transition_check(from_status=source, to_status=to, actor_kind=actor, reason="")
            assert "reason" in missing.value.message_dict
            for wrong in set(ALL_REASONS) - reasons:  # a reason the rule does not allow: 409
                with pytest.raises(Refused, match="is not a reason for"):
                    transition_check(from_status=source, to_status=to, actor_kind=actor, reason=wrong)


def test_refusal_messages_name_the_rule():
    with pytest.raises(Refused, match="Only system may move a lead from in_process to converted"):
        transition_check(from_status="in_process", to_status="converted", actor_kind="owner")
    with pytest.raises(Refused, match="No rule moves a lead from bad_lead to converted"):
        transition_check(from_status="bad_lead", to_status="converted", actor_kind="system")
    with pytest.raises(Refused, match="already converted"):
        transition_check(from_status="converted", to_status="converted", actor_kind="system")


EXISTING_ROWS = sorted((s, t, a, r or "") for (s, t, a, r) in ALLOWED if s)


@pytest.mark.django_db
@pytest.mark.parametrize("source,to,actor,reason", EXISTING_ROWS)
def test_every_allowed_row_changes_the_lead(source, to, actor, reason, tenant_a, agent, staff):
    lead = LeadFactory(location=tenant_a.location, status=source)
    user = {"owner": tenant_a.owner, "manager": tenant_a.manager, "agent": agent, "staff": staff, "system": SYSTEM}
    change = lead_set_status(lead=lead, status=to, reason=reason, actor=user[actor], actor_kind=actor)
    lead.refresh_from_db()
    assert (lead.status, lead.reason) == (to, reason)
    assert (change.from_status, change.to_status, change.actor_kind, change.location_id) == (
        source,
        to,
        actor,
        tenant_a.location.pk,
    )
    counts = dict(LeadStatusCount.objects.filter(location=tenant_a.location).values_list("status", "count"))
    assert counts[to] == 1 and counts[source] == 0


@pytest.mark.django_db
def test_a_refused_change_writes_nothing(tenant_a, agent):
    lead = LeadFactory(location=tenant_a.location, status="bad_lead", reason="duplicate")
    with pytest.raises(Refused):
        lead_set_status(lead=lead, status="converted", actor=SYSTEM, actor_kind="system")
    with pytest.raises(ValidationError):
        lead_set_status(
            lead=LeadFactory(location=tenant_a.location), status="not_converted", actor=agent, actor_kind="agent"
        )
    lead.refresh_from_db()
    assert lead.status == "bad_lead"
    assert not LeadStatusChange.objects.exists()


@pytest.mark.django_db
def test_leaving_in_process_stops_the_sequence(tenant_a):
    from django.utils import timezone

    lead = LeadFactory(location=tenant_a.location, contact_next_run_at=timezone.now())
    lead_set_status(lead=lead, status="converted", actor=SYSTEM, actor_kind="system")
    lead.refresh_from_db()
    assert lead.contact_next_run_at is None


@pytest.mark.django_db
def test_actor_kind_for_roles(tenant_a, agent, staff):
    loc = tenant_a.location
    assert actor_kind_for(tenant_a.owner, loc) == "owner"
    assert actor_kind_for(tenant_a.manager, loc) == "manager"
    assert actor_kind_for(agent, loc) == "agent"
    assert actor_kind_for(staff, loc) == "staff"
    assert actor_kind_for(staff, None) == "staff"
    from django.core.exceptions import PermissionDenied

    for user in (tenant_a.viewer, tenant_a.brand_user):
        with pytest.raises(PermissionDenied):
            actor_kind_for(user, loc)


def test_a_reason_the_rule_does_not_allow_is_409_in_the_api_and_the_console(tenant_a, agent):
    """Issue #16 item 6: a refused status reason is a rule refusal — 409 with the rule in
    `detail` (DESIGN.md "REST API"), as in the agent console; a missing reason stays 400."""
    lead = LeadFactory(location=tenant_a.location)
    url = f"/api/v1/leads/{lead.pk}/status/"
    # acs_exhausted is the system's reason (seed 003 "Bad Lead" b), not the owner's.
    response = session_api(tenant_a.owner).post(url, {"status": "bad_lead", "reason": "acs_exhausted"}, format="json")
    assert response.status_code == 409
    assert (
        response.json()["detail"]
        == "“acs_exhausted” is not a reason for bad_lead by owner: use did_not_request, fake_contact_info."
    )
    console = agent_client(agent).post(f"/agent/leads/{lead.pk}/status/", {"status": "bad_lead", "reason": "duplicate"})
    assert console.status_code == 409 and "is not a reason for bad_lead by agent" in console.context["error"]
    missing = session_api(tenant_a.owner).post(url, {"status": "bad_lead", "reason": ""}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()
    lead.refresh_from_db()
    assert lead.status == "in_process"
