"""The agent console: from a ringing phone to a booked appointment, a raised conflict or a taken
message. Every view is `agent_view` (owners, managers, viewers and brand users get 403 before any
lookup); every write calls the owning capability's service — the console adds no rules. Forms that
create a row carry a one-time token (`once_per_form_token`): a double submit creates one row.

finder: the Location for a call and its card · lead_pages: creating the lead, taking a message ·
workspace: the lead's one screen · actions: what the workspace posts · queues: callbacks, calls.
"""

from .actions import lead_book, lead_conflict, lead_no_texts, lead_same_day, lead_sms, lead_status, same_day_answer
from .finder import home, location_card
from .lead_pages import lead_create, lead_duplicate_check, message_create
from .queues import call_outcome, call_queue_page, callback_close_view, callback_queue
from .workspace import lead_workspace

__all__ = [
    "call_outcome",
    "call_queue_page",
    "callback_close_view",
    "callback_queue",
    "home",
    "lead_book",
    "lead_conflict",
    "lead_create",
    "lead_duplicate_check",
    "lead_no_texts",
    "lead_same_day",
    "lead_sms",
    "lead_status",
    "lead_workspace",
    "location_card",
    "message_create",
    "same_day_answer",
]
