"""The lead page (/leads/<id>/) composed: leads' own part, then each capability's section —
appointments (calendars), conflicts and same-day requests (conflicts), office messages, the SMS
thread and deliveries (messaging) — read from each app's selectors here, where every app is
below. Each part is a fixed number of queries (tests/leads/test_detail_sections.py)."""

from __future__ import annotations

from calendars import selectors as calendar_selectors
from conflicts import selectors as conflict_selectors
from leads import selectors as lead_selectors
from messaging import selectors as messaging_selectors


def lead_page_context(request, lead, **extra) -> dict:
    return {
        **lead_selectors.lead_page(user=request.user, lead=lead),
        "lead_appointments": calendar_selectors.lead_appointments(lead=lead, user=request.user),
        **conflict_selectors.lead_requests(lead=lead),
        **messaging_selectors.lead_messaging(lead=lead),
        **extra,
    }
