"""The dashboard's Action Center (issue #11's triage, issue #17's budget): every waiting item in
one read (portal.selectors.action_center_rows), ordered and counted from the rows
(portal.triage), and the lines shown drawn from the fragment cache (pronexis.fragments) — a
line's model objects are built only when its HTML is not cached yet.

A line's key is everything it shows: the row as read (the item, its Location, lead and who said
"Got it"), whether the viewer may answer or dismiss it, whether the Location's name is shown and
the page the forms return to. Its age and colour change by the minute, so they are filled per
request into the cached HTML, like the CSRF token."""

from __future__ import annotations

import datetime as dt

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from conflicts.selectors import PendingItem
from pronexis.fragments import render_rows

from . import selectors, triage

LINE_TEMPLATES = (
    "portal/_triage_line.html",
    # what the line includes (their sources are part of the key)
    "conflicts/_respond_form.html",
    "portal/_urgent_state.html",
    "notifications/_dismiss.html",
)
# The Python that shapes a line's HTML (its context's properties, the filters and tags it calls).
LINE_MODULES = (
    "portal.action_center",
    "portal.selectors",
    "portal.triage",
    "portal.urgent",
    "portal.templatetags.portal_urgent",
    "conflicts.selectors",
    "accounts.templatetags.portal_format",
    "notifications.templatetags.notifications_tags",
)
STATE = "__triage_state__"
AGE = "__triage_age__"


def _age_html(line: triage.TriageLine) -> str:
    if line.state_words:
        return format_html('<strong class="tri-flag">{}</strong> · {}', line.state_words, line.age_text)
    return escape(line.age_text)


def _context(request, row, line: triage.TriageLine, *, show_location: bool):
    def build() -> dict:
        line.obj = selectors.action_center_object(row)
        if row.kind in ("same_day", "conflict"):
            line.item = PendingItem(row.kind, line.obj)
        return {"line": line, "show_location": show_location, "request": request, "state": STATE, "age": AGE}

    return build


def action_center(request, *, locations_qs, now: dt.datetime, show_all: bool, show_location: bool) -> dict:
    """The Action Center's context: `lines` (the most urgent SHOWN, all with `show_all`), each with
    its `html`; `more_lines`, how many are behind "Show all"; `counts`, the exact counters."""
    rows = sorted(selectors.action_center_rows(user=request.user, locations_qs=locations_qs), key=triage.row_sort_key)
    shown = rows if show_all else rows[: triage.SHOWN]
    lines = [triage.row_line(row, now=now) for row in shown]
    next_url = request.get_full_path()
    drawn = render_rows(
        request,
        prefix="triage",
        templates=LINE_TEMPLATES,
        modules=LINE_MODULES,
        rows=[
            (
                (row.kind, row.json, row.allowed, show_location, next_url),
                _context(request, row, line, show_location=show_location),
            )
            for row, line in zip(shown, lines, strict=True)
        ],
    )
    for line, html in zip(lines, drawn, strict=True):
        filled = html.replace(STATE, line.state).replace(AGE, _age_html(line))
        line.html = mark_safe(filled)  # noqa: S308 (a cached line of our template; the fills are escaped)
    counts = triage.row_counts(rows)
    return {"lines": lines, "more_lines": len(rows) - len(shown), "counts": counts}
