"""The owner approvals a booking may rest on: an approved conflict (seed 004) books outside
availability, an approved same-day request (seed 000) books inside the 24 hours; pending ones
show red on the calendar tab.

They are the conflicts app's rows, one layer up. Conflicts registers how to find them at start-up
(`conflicts.apps`), so calendars never imports conflicts; an approval is used through its own
methods (`agreed_booking()`, `covers(start, end)`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ApprovalFinders:
    conflict_visible: Callable  # (user, pk) → the conflict the user may see, or None
    same_day_visible: Callable  # (user, pk) → the same-day request the user may see, or None
    same_day_covering: Callable  # (lead, start, end) → the lead's approved request covering it, or None
    pending_between: Callable  # (locations_qs, start, end) → pending items touching [start, end)


_finders: ApprovalFinders | None = None


def register(finders: ApprovalFinders) -> None:
    global _finders
    _finders = finders


def finders() -> ApprovalFinders:
    if _finders is None:  # conflicts is an installed app: its ready() registers them
        raise RuntimeError("No approval finders registered (is the conflicts app installed?)")
    return _finders


def conflict_visible(user, pk: int):
    return finders().conflict_visible(user, pk)


def same_day_visible(user, pk: int):
    return finders().same_day_visible(user, pk)


def same_day_covering(*, lead, start: datetime, end: datetime):
    return finders().same_day_covering(lead, start, end)


def pending_between(*, locations_qs, start: datetime, end: datetime) -> list:
    return list(finders().pending_between(locations_qs, start, end))
