"""Issue #16 item 6, the messaging ones (seed 001 "SMS Office Messages").

- The routing decision lists only the distribution-list numbers a reminder reaches: a number that
  texted STOP is left out (API, /routing/ simulator and agent card share route_call_for_location).
- The SMS copy of an e-mail is of that e-mail's kind (seed 001 item 2: "SMS reminders will
  accompany any email notification"): a "conflict answered" copy is `conflict_answered`.
"""

from __future__ import annotations

import pytest

from conflicts.services import conflict_respond
from notifications.models import Notification
from notifications.optouts import sms_opt_out_set
from tests.factories import ConflictFactory, agent_client

pytestmark = pytest.mark.django_db
AT = "2025-03-11T20:00:00-04:00"  # a Tuesday evening: business-hours plan → message


def sms_steps(decision: dict) -> list[str]:
    return [step["number"] for step in decision["steps"] if step["kind"] == "sms"]


def test_the_routing_decision_leaves_out_a_number_that_texted_stop(agent_api, agent, brooklyn):
    sms_opt_out_set(number="+19175550104", opted_out=True)
    decision = agent_api.post("/api/v1/calls/route/", {"location": brooklyn.pk, "at": AT}, format="json").json()
    assert decision["action"] == "message" and sms_steps(decision) == ["+19175550103"]
    card = agent_client(agent).get(
        f"/agent/locations/{brooklyn.pk}/", {"at": "2025-03-11T20:00", "caller_type": "other"}
    )
    card_steps = str(card.context["decision"].as_dict()["steps"])
    assert "+19175550103" in card_steps and "+19175550104" not in card_steps

    sms_opt_out_set(number="+19175550103", opted_out=True)
    decision = agent_api.post("/api/v1/calls/route/", {"location": brooklyn.pk, "at": AT}, format="json").json()
    assert sms_steps(decision) == [] and "No SMS reminder: the distribution list is empty." in decision["reasons"]
    sms_opt_out_set(number="+19175550104", opted_out=False)  # START
    decision = agent_api.post("/api/v1/calls/route/", {"location": brooklyn.pk, "at": AT}, format="json").json()
    assert sms_steps(decision) == ["+19175550104"]


def test_sms_copies_of_a_conflict_answer_are_of_its_kind(tenant_a, brooklyn, django_capture_on_commit_callbacks):
    conflict = ConflictFactory(location=brooklyn)
    with django_capture_on_commit_callbacks(execute=True):
        conflict_respond(conflict=conflict, actor=tenant_a.owner, decision="decline", channel="action_center")
    rows = Notification.objects.filter(idempotency_key__startswith=f"conflict:{conflict.pk}:answered")
    assert sorted(rows.values_list("channel", "kind")) == [
        ("email", "conflict_answered"),
        ("email", "conflict_answered"),
        ("sms", "conflict_answered"),
        ("sms", "conflict_answered"),
    ]
    assert all(f"/n/{row.short_code}/" in row.body for row in rows.filter(channel="sms"))  # the generic wording
