"""Understanding an owner's e-mail reply to a conflict (seed 004: "respond by simply responding
to the email"). Pure: no database, no clock — `now` and the zone are passed in.

The reply's new text (quoted history, signatures and "Sent from my iPhone" stripped) becomes one
of: approve ("approve", "yes", "ok"), decline ("decline", "no") or an alternate — a time
("Tuesday 3pm" = the next future Tuesday at 15:00, "tomorrow at 10:30", "11/28 2:15 pm") in the
Location's zone and/or a meeting type ("phone instead", "at my office"). Anything else → None,
and the caller answers with the accepted forms.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from email_reply_parser import EmailReplyParser

ACCEPTED_FORMS = [
    "approve  (or: yes, ok)",
    "decline  (or: no)",
    "an alternate time: Tuesday 3pm · tomorrow at 10:30 · 11/28 2:15 pm",
    "an alternate meeting type: phone instead · at my office · at the client's home · video",
    "or both: Thursday 9am by phone",
]


@dataclass(frozen=True)
class ParsedReply:
    decision: str  # approve | decline | alternate
    alternate_start: dt.datetime | None = None  # aware, UTC-convertible; None = the requested time
    meeting_type: str | None = None  # office | phone | client_home | video; None = unchanged


# --- Stripping what is not the new text ------------------------------------------------------
_SIGN_OFF = re.compile(
    r"^(thanks|thank you|thx|many thanks|best|best regards|regards|kind regards|warm regards|cheers|"
    r"sincerely|take care|all the best)\b[\s,.!]*([A-Za-z][A-Za-z.'\- ]{0,40})?$",
    re.IGNORECASE,
)
_DEVICE_FOOTER = re.compile(r"^(sent from my|sent from (mail|outlook|yahoo)|get outlook for)\b", re.IGNORECASE)
_QUOTE_HEADER = re.compile(r"^(on .+ wrote:?|le .+ a écrit ?:|-+ ?original message ?-+|from: .+)$", re.IGNORECASE)


def new_text(body: str) -> str:
    """The reply's own words: quoted history, sign-off, signature and device footers removed."""
    text = EmailReplyParser.parse_reply(body or "")
    kept: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith(">") or _QUOTE_HEADER.match(line) or line in ("--", "-- ", "__"):
            break
        if _DEVICE_FOOTER.match(line):
            break
        if kept and _SIGN_OFF.match(line) and not _has_keyword(line):
            break  # "Thanks,\nOlivia" and everything after it is the signature
        kept.append(line)
    return "\n".join(line for line in kept if line).strip()


# --- Words ------------------------------------------------------------------------------------
_APPROVE = re.compile(
    r"\b(approve[ds]?|approving|yes|yep|yeah|yup|ok|okay|sure|accept(ed)?|confirm(ed)?|"
    r"sounds good|that works|works for me|go ahead|book it|fine|no problem|no worries)\b|👍",
    re.IGNORECASE,
)
_DECLINE = re.compile(
    r"\b(decline[ds]?|declining|no|nope|reject(ed)?|deny|denied|can't|cannot|can not|unavailable|"
    r"not available|won't work|doesn't work|does not work)\b|👎",
    re.IGNORECASE,
)
_NOT_DECLINE = re.compile(r"\b(no problem|no worries)\b", re.IGNORECASE)

_MEETING_TYPES = [
    ("video", re.compile(r"\b(video|zoom|teams|facetime|google meet|video call)\b", re.IGNORECASE)),
    ("phone", re.compile(r"\b(phone|by phone|phone call|over the phone|telephone|call instead)\b", re.IGNORECASE)),
    (
        "client_home",
        re.compile(
            r"\b(client'?s home|their home|(his|her|their) (house|place)|at home|home visit|in[- ]home|"
            r"client home|at the house|their place)\b",
            re.IGNORECASE,
        ),
    ),
    ("office", re.compile(r"\b(office|my place|our place|in person at ours)\b", re.IGNORECASE)),
]

_WEEKDAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4, "sat": 5, "saturday": 5,
    "sun": 6, "sunday": 6,
}  # fmt: skip
_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip

_WEEKDAY_RE = re.compile(r"\b(?:(next|this)\s+)?(" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")\b\.?")
_MONTH_DAY_RE = re.compile(
    r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s*(\d{4}))?"
)
_DAY_MONTH_RE = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b"
)
_NUMERIC_DATE_RE = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?\b")
_RELATIVE_RE = re.compile(r"\b(today|tonight|tomorrow|tmrw|tmr|day after tomorrow)\b")
_AMPM_RE = re.compile(r"\b(\d{1,2})(?:[:.](\d{2}))?(?:\s*([ap])\.?\s?m\b\.?|([ap])\b)")
_CLOCK_RE = re.compile(r"\b([01]?\d|2[0-3]):([0-5]\d)\b")
_AT_HOUR_RE = re.compile(r"\b(?:at|@|around|by)\s+(\d{1,2})\b(?!\s*(?:/|st|nd|rd|th|%|\d))")
_OCLOCK_RE = re.compile(r"\b(\d{1,2})\s*o'?clock\b")
_NOON_RE = re.compile(r"\b(noon|midday)\b")


def _has_keyword(line: str) -> bool:
    return bool(_APPROVE.search(line) or _DECLINE.search(line) or _find_time(line.lower())[0] is not None)


def _find_date(text: str, today: dt.date) -> tuple[dt.date | None, str]:
    """(date, text without it): the first date mentioned, always the next future occurrence."""
    match = _RELATIVE_RE.search(text)
    if match:
        word = match.group(1)
        days = {"today": 0, "tonight": 0, "tomorrow": 1, "tmrw": 1, "tmr": 1, "day after tomorrow": 2}[word]
        return today + dt.timedelta(days=days), text[: match.start()] + " " + text[match.end() :]
    match = _NUMERIC_DATE_RE.search(text)
    if match:
        month, day, year = int(match.group(1)), int(match.group(2)), match.group(3)
        found = _future_date(today, month, day, int(year) if year else None)
        if found:
            return found, text[: match.start()] + " " + text[match.end() :]
    match = _MONTH_DAY_RE.search(text)
    if match:
        found = _future_date(today, _MONTHS[match.group(1)], int(match.group(2)), int(match.group(3) or 0) or None)
        if found:
            return found, text[: match.start()] + " " + text[match.end() :]
    match = _DAY_MONTH_RE.search(text)
    if match:
        found = _future_date(today, _MONTHS[match.group(2)], int(match.group(1)), None)
        if found:
            return found, text[: match.start()] + " " + text[match.end() :]
    match = _WEEKDAY_RE.search(text)
    if match:
        ahead = (_WEEKDAYS[match.group(2)] - today.weekday()) % 7
        if match.group(1) == "next" and ahead == 0:
            ahead = 7
        return today + dt.timedelta(days=ahead), text[: match.start()] + " " + text[match.end() :]
    return None, text


def _future_date(today: dt.date, month: int, day: int, year: int | None) -> dt.date | None:
    if year is not None and year < 100:
        year += 2000
    try:
        if year is not None:
            return dt.date(year, month, day)
        candidate = dt.date(today.year, month, day)
        return candidate if candidate >= today else dt.date(today.year + 1, month, day)
    except ValueError:
        return None


def _find_time(text: str) -> tuple[dt.time | None, str]:
    """(time, text without it): "3pm", "2:15 pm", "15:00", "at 10", "noon", "4 o'clock"."""
    match = _AMPM_RE.search(text)
    if match:
        hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3) or match.group(4)
        if 1 <= hour <= 12 and minute < 60:
            hour = hour % 12 + (12 if half == "p" else 0)
            return dt.time(hour, minute), text[: match.start()] + " " + text[match.end() :]
    match = _NOON_RE.search(text)
    if match:
        return dt.time(12, 0), text[: match.start()] + " " + text[match.end() :]
    match = _CLOCK_RE.search(text)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        return dt.time(_business_hour(hour), minute), text[: match.start()] + " " + text[match.end() :]
    for pattern in (_OCLOCK_RE, _AT_HOUR_RE):
        match = pattern.search(text)
        if match and 1 <= int(match.group(1)) <= 23:
            return dt.time(_business_hour(int(match.group(1))), 0), text[: match.start()] + " " + text[match.end() :]
    return None, text


def _business_hour(hour: int) -> int:
    """A bare hour without am/pm: 1–7 mean the afternoon (nobody books 3 a.m. visits)."""
    return hour + 12 if 1 <= hour <= 7 else hour


_CLAUSE_SPLIT = re.compile(r"[,;!?\n]|\.(?:\s|$)|\bbut\b|\bhow about\b|\bwhat about\b")


def _positive_clauses(text: str) -> str:
    """The clauses that do not refuse: in "can't do Tuesday, Wednesday 10am?" the time offered
    is Wednesday's, and in "Tuesday 3pm doesn't work" no time is offered at all."""
    clauses = [c for c in _CLAUSE_SPLIT.split(text) if c and c.strip()]
    return " , ".join(c for c in clauses if not _DECLINE.search(_NOT_DECLINE.sub(" ", c)))


def _find_meeting_type(text: str) -> str | None:
    for meeting_type, pattern in _MEETING_TYPES:
        if pattern.search(text):
            return meeting_type
    return None


def parse_reply(
    body: str,
    *,
    now: dt.datetime,
    zone: ZoneInfo,
    requested_start: dt.datetime | None = None,
    requested_meeting_type: str | None = None,
) -> ParsedReply | None:
    """The owner's answer in a reply e-mail, or None when it cannot be understood.

    A date without a time keeps the requested time of day; a time without a date keeps the
    requested day (or today when there is none). A time already past → None (the service would
    refuse it anyway, and the owner gets the help answer).
    """
    text = new_text(body).lower().replace("’", "'")
    if not text:
        return None
    local_now = now.astimezone(zone)
    reference = requested_start.astimezone(zone) if requested_start else None

    positive = _positive_clauses(text)
    date, rest = _find_date(positive, local_now.date())
    time, rest = _find_time(rest)
    meeting_type = _find_meeting_type(rest)
    if meeting_type and meeting_type == requested_meeting_type and date is None and time is None:
        meeting_type = None  # "yes, at their home" repeats the request: no change

    if date is not None or time is not None:
        day = date or (reference.date() if reference else local_now.date())
        if time is None:
            time = reference.time().replace(tzinfo=None) if reference else None
            if time is None:
                return None  # a day alone, with no requested time to keep
        start = dt.datetime.combine(day, time).replace(tzinfo=zone)
        if date is None and start <= local_now:
            return None
        # "Tuesday 3pm" said on a Tuesday after 3pm means next week's Tuesday.
        if start <= local_now and _WEEKDAY_RE.search(positive) and not _RELATIVE_RE.search(positive):
            start = (dt.datetime.combine(day + dt.timedelta(days=7), time)).replace(tzinfo=zone)
        if start <= local_now:
            return None
        return ParsedReply("alternate", alternate_start=start, meeting_type=meeting_type)
    if meeting_type:
        return ParsedReply("alternate", meeting_type=meeting_type)

    cleaned = _NOT_DECLINE.sub(" ", text)
    approve = bool(_APPROVE.search(text))
    decline = bool(_DECLINE.search(cleaned))
    if approve and not decline:
        return ParsedReply("approve")
    if decline and not approve:
        return ParsedReply("decline")
    return None
