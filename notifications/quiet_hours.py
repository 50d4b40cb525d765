"""The compliance gate for automated texts to leads (issue #14, DESIGN.md "Round 2 contracts"):
when may a text reach this number? One pure function, `next_allowed_instant`, no database.

The law that counts is the **recipient's**, not the Location's: the zone comes from the number
(`phonenumbers.timezone`; when an area code spans zones, the text must be allowed in every one
of them: the strictest window), the state from the number's area code (`phonenumbers`'
geocoder), and the state rules below narrow the federal window. A text outside its window is
not dropped: it waits in the outbox until the instant this returns (notifications.outbox).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import geocoder
from phonenumbers import timezone as phone_timezone


@dataclass(frozen=True)
class Window:
    """Texts allowed from `start` (inclusive) to `end` (exclusive), local time of the recipient."""

    start: time
    end: time


@dataclass(frozen=True)
class Rule:
    source: str  # the law it comes from, shown in logs and tests
    weekdays: Window  # Monday–Saturday
    sunday: Window

    def window(self, weekday: int) -> Window:
        return self.sunday if weekday == 6 else self.weekdays


def _same_every_day(source: str, start: int, end: int) -> Rule:
    window = Window(time(start), time(end))
    return Rule(source, window, window)


# Federal: TCPA, 47 U.S.C. § 227(c) and 47 CFR § 64.1200(c)(1) — no solicitation before 8 a.m.
# or after 9 p.m. at the called party's location. The end is exclusive: 21:00 itself waits.
FEDERAL = _same_every_day("TCPA, 47 CFR § 64.1200(c)(1): 8 am–9 pm", 8, 21)

# State mini-TCPA laws that narrow it (as issue #14 lists them), by USPS code.
STATE_RULES: dict[str, Rule] = {
    # Florida Telephone Solicitation Act, Fla. Stat. § 501.059(8)(a) (as amended 2021).
    "FL": _same_every_day("Florida, Fla. Stat. § 501.059(8)(a): 8 am–8 pm", 8, 20),
    # Oklahoma Telephone Solicitation Act of 2022, 15 O.S. § 775C.4.
    "OK": _same_every_day("Oklahoma, 15 O.S. § 775C.4: 8 am–8 pm", 8, 20),
    # Maryland Stop the Spam Calls Act (2023), Md. Code, Com. Law § 14-4503.
    "MD": _same_every_day("Maryland, Com. Law § 14-4503: 8 am–8 pm", 8, 20),
    # Mississippi, Miss. Code § 77-3-725.
    "MS": _same_every_day("Mississippi, Miss. Code § 77-3-725: 8 am–8 pm", 8, 20),
    # New Jersey, N.J.S.A. 56:8-130 and N.J.A.C. 13:45D-4.1 (as issue #14 states the window).
    "NJ": _same_every_day("New Jersey, N.J.S.A. 56:8-130: 8 am–8 pm", 8, 20),
    # Connecticut, Conn. Gen. Stat. § 42-288a (Public Act 23-98).
    "CT": _same_every_day("Connecticut, Conn. Gen. Stat. § 42-288a: 9 am–8 pm", 9, 20),
    # Texas, Tex. Bus. & Com. Code § 301.051: 9 am–9 pm Monday–Saturday, noon–9 pm Sunday.
    "TX": Rule(
        "Texas, Bus. & Com. Code § 301.051: 9 am–9 pm Mon–Sat, noon–9 pm Sunday",
        Window(time(9), time(21)),
        Window(time(12), time(21)),
    ),
}

# The geocoder names a US number's place either by state ("Florida") or by city ("Norwalk, CT").
_STATE_NAMES = {
    "Florida": "FL",
    "Oklahoma": "OK",
    "Maryland": "MD",
    "Mississippi": "MS",
    "New Jersey": "NJ",
    "Connecticut": "CT",
    "Texas": "TX",
}
_CITY_STATE = re.compile(r",\s*([A-Z]{2})$")


@dataclass(frozen=True)
class Recipient:
    """What the gate knows about a number: its zones and its state (USPS code, or '')."""

    zones: tuple[ZoneInfo, ...]
    state: str
    region: str  # ISO country of the number ("US", "CA"), '' when unknown

    @property
    def rule(self) -> Rule:
        return STATE_RULES.get(self.state, FEDERAL)


@lru_cache(maxsize=4096)
def recipient_of(number: str, fallback_zone: str = "") -> Recipient:
    """The zones and state of an E.164 number. A number whose zone the numbering plan does not
    tell (not a geographic number, not parseable) falls back to `fallback_zone` (the
    Location's), then to New York — the gate never lets a text through for want of a zone."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        parsed = None
    zones: list[ZoneInfo] = []
    state = region = ""
    # A non-geographic number (toll-free, a foreign mobile) names every zone of its country:
    # no zone of its own, so the Location's.
    if parsed is not None and phonenumbers.is_number_geographical(parsed):
        region = phonenumbers.region_code_for_number(parsed) or ""
        for name in phone_timezone.time_zones_for_number(parsed):
            try:
                zones.append(ZoneInfo(name))
            except (ZoneInfoNotFoundError, ValueError):  # "Etc/Unknown"
                continue
        if region == "US":
            place = geocoder.description_for_number(parsed, "en")
            match = _CITY_STATE.search(place)
            state = match.group(1) if match else _STATE_NAMES.get(place, "")
    if not zones:
        zones = [ZoneInfo(fallback_zone or "America/New_York")]
    return Recipient(zones=tuple(zones), state=state, region=region)


def _next_in_zone(at: datetime, zone: ZoneInfo, rule: Rule) -> datetime:
    """The first instant ≥ `at` inside the rule's window in this zone."""
    local = at.astimezone(zone)
    day = local.date()
    for _ in range(8):
        window = rule.window(day.weekday())
        start = datetime.combine(day, window.start, tzinfo=zone)
        end = datetime.combine(day, window.end, tzinfo=zone)
        if local < end:
            return max(at, start.astimezone(UTC))
        day += timedelta(days=1)
        local = datetime.combine(day, time(0), tzinfo=zone)
    raise AssertionError("no window within a week")  # pragma: no cover - every rule has daily windows


def next_allowed_instant(*, number: str, at: datetime, fallback_zone: str = "") -> datetime:
    """`at` itself when an automated text may reach `number` then, else the next instant it may
    (UTC). With several zones, the instant must be inside the window in all of them."""
    recipient = recipient_of(number, fallback_zone)
    rule = recipient.rule
    candidate = at.astimezone(UTC)
    for _ in range(16):  # zones a few hours apart agree within a step or two
        moved = max(_next_in_zone(candidate, zone, rule) for zone in recipient.zones)
        if moved == candidate:
            return candidate
        candidate = moved
    raise AssertionError(f"no common window for {number}")  # pragma: no cover


def allowed_now(*, number: str, at: datetime, fallback_zone: str = "") -> bool:
    return next_allowed_instant(number=number, at=at, fallback_zone=fallback_zone) == at.astimezone(UTC)
