"""Triage, not a form dump (issue #11): the Action Center as one line per item, sorted by urgency —
same-day requests by their start (they expire in hours), then urgent office messages, then
conflicts by the requested time, then failed deliveries — each line showing its age against its
target and turning amber, then red.

Targets (each the moment the call center expects an answer):
- a same-day request: one hour before the requested start (the owner must still be reachable and
  the client told);
- an urgent office message: URGENT_ESCALATION_MINUTES after it was taken (then it is texted to the
  owners' mobiles, portal.urgent);
- a conflict: when its first reminder falls due, CONFLICT_REMINDER_BUSINESS_HOURS business hours
  after it was raised (conflicts.services.conflicts_remind_unanswered). Locations have no reminder
  setting of their own: the project's setting is the Location's.
- a failed delivery has none (it is shown until dismissed).

Everything here is pure: the rows come from the selectors the dashboard already runs.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.conf import settings

from accounts.hours import business_deadline

# The order of the groups: what expires first comes first.
KIND_ORDER = ("same_day", "urgent_message", "conflict", "failed_delivery")
KIND_LABELS = {
    "same_day": "Same-day request",
    "urgent_message": "Urgent message",
    "conflict": "Conflict",
    "failed_delivery": "Failed delivery",
}
# Lines on the dashboard before "Show all": the most urgent, on a phone's first screens; the rest
# one tap away. The page's cost stays the same with 3 or 300 waiting (issue #17).
SHOWN = 10
# Amber once this share of the time between the item's arrival and its target is gone.
AMBER_SHARE = 0.5


def age_state(*, since: dt.datetime, target: dt.datetime | None, now: dt.datetime) -> str:
    """ "none" (no target), "ok", "amber" (AMBER_SHARE of the time to the target is gone, or the
    item arrived with no time left) or "red" (the target passed). Pure."""
    if target is None:
        return "none"
    if now >= target:
        return "red"
    allowed = target - since
    if allowed <= dt.timedelta(0) or now - since >= allowed * AMBER_SHARE:
        return "amber"
    return "ok"


def same_day_target(requested_start: dt.datetime) -> dt.datetime:
    return requested_start - dt.timedelta(hours=1)


def urgent_target(created_at: dt.datetime) -> dt.datetime:
    return created_at + dt.timedelta(minutes=settings.URGENT_ESCALATION_MINUTES)


def conflict_target(created_at: dt.datetime, zone) -> dt.datetime:
    return business_deadline(created_at, settings.CONFLICT_REMINDER_BUSINESS_HOURS, zone)


def duration_text(delta: dt.timedelta) -> str:
    """ "45 min", "2 h 5 min", "3 days" — short, for a phone's line."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{minutes // (24 * 60)} days"


@dataclass
class TriageLine:
    """One line of the Action Center. `obj` is the row; `item` the conflicts.selectors.PendingItem
    of a conflict or same-day request (its answer box reads it)."""

    kind: str
    obj: object
    since: dt.datetime
    target: dt.datetime | None
    now: dt.datetime
    item: object = None

    @property
    def dom_id(self) -> str:
        return f"{self.kind}-{self.obj.pk}"

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def state(self) -> str:
        return age_state(since=self.since, target=self.target, now=self.now)

    @property
    def age_text(self) -> str:
        """ "waiting 25 min · due in 35 min", "… · 10 min over", or the age alone."""
        waiting = f"{duration_text(self.now - self.since)} ago"
        if self.target is None:
            return waiting
        if self.now >= self.target:
            return f"{waiting} · {duration_text(self.now - self.target)} over target"
        return f"{waiting} · due in {duration_text(self.target - self.now)}"

    @property
    def state_words(self) -> str:
        """Said in words too, so the colour is never the only signal."""
        return {"red": "Overdue", "amber": "Due soon"}.get(self.state, "")


def _sort_key(line: TriageLine) -> tuple:
    group = KIND_ORDER.index(line.kind)
    if line.kind in ("same_day", "conflict"):
        return (group, line.item.start, line.obj.pk)
    if line.kind == "failed_delivery":  # the newest failure first, as before
        return (group, -line.since.timestamp(), -line.obj.pk)
    return (group, line.since, line.obj.pk)


def triage_lines(*, pending_items, urgent_messages, failed_deliveries, now: dt.datetime) -> list[TriageLine]:
    """The Action Center's lines in the order of urgency, from rows already read. Pure."""
    lines = []
    for item in pending_items:
        if item.kind == "same_day":
            target = same_day_target(item.start)
        else:
            target = conflict_target(item.created_at, item.location.zone)
        lines.append(TriageLine(item.kind, item.obj, item.created_at, target, now, item=item))
    for message in urgent_messages:
        lines.append(TriageLine("urgent_message", message, message.created_at, urgent_target(message.created_at), now))
    for delivery in failed_deliveries:
        lines.append(TriageLine("failed_delivery", delivery, delivery.created_at, None, now))
    return sorted(lines, key=_sort_key)


def triage_counts(lines: list[TriageLine]) -> dict[str, int]:
    """The counters above the lines (no query): per kind and the total waiting on an answer
    (failed deliveries are shown, not counted: nobody answers them). A row read with its kind's
    `waiting` total (a window count, exact beyond the rows read) counts for that total."""
    counts = {}
    for kind in KIND_ORDER:
        of_kind = [line for line in lines if line.kind == kind]
        counts[kind] = getattr(of_kind[0].obj, "waiting", len(of_kind)) if of_kind else 0
    counts["total"] = counts["same_day"] + counts["urgent_message"] + counts["conflict"]
    return counts


# --- the same order and counters from the rows as read (portal.selectors.action_center_rows) --------
def row_sort_key(row) -> tuple:
    """`_sort_key` of a row not yet made a line: the page orders every row, draws the first SHOWN."""
    group = KIND_ORDER.index(row.kind)
    if row.kind in ("same_day", "conflict"):
        return (group, row.start, row.id)
    if row.kind == "failed_delivery":
        return (group, -row.created_at.timestamp(), -row.id)
    return (group, row.created_at, row.id)


def row_line(row, *, now: dt.datetime) -> TriageLine:
    """The line of a row: its age and target (its model object, `obj`, is set by whoever draws it). Pure."""
    if row.kind == "same_day":
        target = same_day_target(row.start)
    elif row.kind == "conflict":
        target = conflict_target(row.created_at, zoneinfo.ZoneInfo(row.row["location"]["time_zone"]))
    elif row.kind == "urgent_message":
        target = urgent_target(row.created_at)
    else:
        target = None
    return TriageLine(row.kind, None, row.created_at, target, now)


def row_counts(rows) -> dict[str, int]:
    """`triage_counts` from the rows: each kind's `waiting` is its whole count (beyond the rows read)."""
    counts = {kind: 0 for kind in KIND_ORDER}
    for row in rows:
        counts[row.kind] = row.waiting
    counts["total"] = counts["same_day"] + counts["urgent_message"] + counts["conflict"]
    return counts
