"""Factories and isolation-matrix registrations of the agents capability.

ISOLATION_KWARGS: URL kwarg name → callable(tenant_b) returning the id of tenant B's object.
AGENT_ONLY_URL_NAMES: URL names only agents may use (portal users get 403 before any lookup).

The console's URLs take only kwargs other capabilities already register (location_id, lead_id,
same_day_id, callback_id, call_task_id), so nothing new is needed here; every console route is
under `agent/`, which tests/isolation.py treats as agent-only. The names are listed as well so
the matrix still knows them if the prefix ever changes.
"""

from tests.clients import login

__all__ = ["agent_client", "AGENT_URL_NAMES"]

ISOLATION_KWARGS: dict = {}

AGENT_URL_NAMES = {
    "agent_home",
    "agent_location",
    "agent_lead_create",
    "agent_lead_duplicate",
    "agent_message_create",
    "agent_lead",
    "agent_lead_status",
    "agent_lead_book",
    "agent_lead_conflict",
    "agent_lead_same_day",
    "agent_lead_sms",
    "agent_lead_no_texts",
    "agent_same_day_answer",
    "agent_callbacks",
    "agent_callback_close",
    "agent_calls",
    "agent_call_outcome",
}
AGENT_ONLY_URL_NAMES: set = set(AGENT_URL_NAMES)

# The console's tests sign agents in with the one test login (tests/clients.py).
agent_client = login
