"""The compliance gate (notifications.quiet_hours): a table at every edge of every rule, both DST
days, Sunday in Texas, Canadian numbers and area codes that span two zones."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from notifications.quiet_hours import FEDERAL, STATE_RULES, allowed_now, next_allowed_instant, recipient_of

NY = ZoneInfo("America/New_York")
CHI = ZoneInfo("America/Chicago")
DEN = ZoneInfo("America/Denver")
LA = ZoneInfo("America/Los_Angeles")
BOISE = ZoneInfo("America/Boise")
VAN = ZoneInfo("America/Vancouver")
TOR = ZoneInfo("America/Toronto")
HNL = ZoneInfo("Pacific/Honolulu")

NYC = "+12125550111"  # New York, NY: federal window only
FLORIDA = "+13056741234"  # Miami area, Eastern
PENSACOLA = "+18504321234"  # Florida panhandle, Central
OKLAHOMA = "+14055551234"
MARYLAND = "+14105551234"
MISSISSIPPI = "+16015551234"
NEW_JERSEY = "+12015551234"
CONNECTICUT = "+12035551234"
DALLAS = "+12145551234"  # Texas, Central
EL_PASO = "+19155551234"  # Texas, Mountain
VANCOUVER = "+16045551234"
TORONTO = "+14165551234"
IDAHO = "+12085551234"  # 208 spans Mountain (Boise) and Pacific (the panhandle)
NORTH_DAKOTA = "+17015551234"  # 701 spans Mountain and Central
HAWAII = "+18085551234"

# 2026-03-04 is a Wednesday; 2026-03-07 a Saturday, 2026-03-08 a Sunday (US DST starts at
# 02:00), 2026-11-01 a Sunday (DST ends at 02:00).
WED, SAT, SUN = (2026, 3, 4), (2026, 3, 7), (2026, 3, 8)
FALL_BACK = (2026, 11, 1)
SPRING_FORWARD = SUN


def local(day, hour, minute=0, second=0, zone=NY):
    return datetime(*day, hour, minute, second, tzinfo=zone)


def nxt(day, hour, minute=0, zone=NY):
    return local(day, hour, minute, zone=zone)


THU = (2026, 3, 5)
MON = (2026, 3, 9)

# (why, number, at, expected next allowed instant)
TABLE = [
    # Federal 8 am–9 pm, New York.
    ("federal: 7:59:59 waits for 8:00", NYC, local(WED, 7, 59, 59), nxt(WED, 8)),
    ("federal: 8:00 sharp is allowed", NYC, local(WED, 8), local(WED, 8)),
    ("federal: 20:59:59 is allowed", NYC, local(WED, 20, 59, 59), local(WED, 20, 59, 59)),
    ("federal: 21:00 waits for tomorrow 8:00", NYC, local(WED, 21), nxt(THU, 8)),
    ("federal: 22:30 waits for tomorrow 8:00", NYC, local(WED, 22, 30), nxt(THU, 8)),
    ("federal: just after midnight waits for 8:00 the same day", NYC, local(THU, 0, 30), nxt(THU, 8)),
    ("federal: Sunday is an ordinary day", NYC, local(SUN, 9), local(SUN, 9)),
    # Florida, Oklahoma, Maryland, Mississippi, New Jersey: 8 am–8 pm.
    ("FL: 7:59:59 waits", FLORIDA, local(WED, 7, 59, 59), nxt(WED, 8)),
    ("FL: 8:00 allowed", FLORIDA, local(WED, 8), local(WED, 8)),
    ("FL: 19:59:59 allowed", FLORIDA, local(WED, 19, 59, 59), local(WED, 19, 59, 59)),
    ("FL: 20:00 waits for tomorrow", FLORIDA, local(WED, 20), nxt(THU, 8)),
    ("FL panhandle: 20:00 Central waits", PENSACOLA, local(WED, 20, zone=CHI), nxt(THU, 8, zone=CHI)),
    (
        "FL panhandle: 19:30 Central is 20:30 Eastern, still allowed",
        PENSACOLA,
        local(WED, 19, 30, zone=CHI),
        local(WED, 19, 30, zone=CHI),
    ),
    ("OK: 7:59 waits (Central)", OKLAHOMA, local(WED, 7, 59, zone=CHI), nxt(WED, 8, zone=CHI)),
    ("OK: 8:00 allowed", OKLAHOMA, local(WED, 8, zone=CHI), local(WED, 8, zone=CHI)),
    ("OK: 19:59 allowed", OKLAHOMA, local(WED, 19, 59, zone=CHI), local(WED, 19, 59, zone=CHI)),
    ("OK: 20:00 waits", OKLAHOMA, local(WED, 20, zone=CHI), nxt(THU, 8, zone=CHI)),
    ("MD: 7:59 waits", MARYLAND, local(WED, 7, 59), nxt(WED, 8)),
    ("MD: 8:00 allowed", MARYLAND, local(WED, 8), local(WED, 8)),
    ("MD: 19:59 allowed", MARYLAND, local(WED, 19, 59), local(WED, 19, 59)),
    ("MD: 20:00 waits", MARYLAND, local(WED, 20), nxt(THU, 8)),
    ("MS: 7:59 waits (Central)", MISSISSIPPI, local(WED, 7, 59, zone=CHI), nxt(WED, 8, zone=CHI)),
    ("MS: 8:00 allowed", MISSISSIPPI, local(WED, 8, zone=CHI), local(WED, 8, zone=CHI)),
    ("MS: 19:59 allowed", MISSISSIPPI, local(WED, 19, 59, zone=CHI), local(WED, 19, 59, zone=CHI)),
    ("MS: 20:00 waits", MISSISSIPPI, local(WED, 20, zone=CHI), nxt(THU, 8, zone=CHI)),
    ("NJ: 7:59 waits", NEW_JERSEY, local(WED, 7, 59), nxt(WED, 8)),
    ("NJ: 8:00 allowed", NEW_JERSEY, local(WED, 8), local(WED, 8)),
    ("NJ: 19:59 allowed", NEW_JERSEY, local(WED, 19, 59), local(WED, 19, 59)),
    ("NJ: 20:00 waits", NEW_JERSEY, local(WED, 20), nxt(THU, 8)),
    # Connecticut: 9 am–8 pm.
    ("CT: 8:00 waits for 9:00", CONNECTICUT, local(WED, 8), nxt(WED, 9)),
    ("CT: 8:59:59 waits", CONNECTICUT, local(WED, 8, 59, 59), nxt(WED, 9)),
    ("CT: 9:00 allowed", CONNECTICUT, local(WED, 9), local(WED, 9)),
    ("CT: 19:59 allowed", CONNECTICUT, local(WED, 19, 59), local(WED, 19, 59)),
    ("CT: 20:00 waits for 9:00 tomorrow", CONNECTICUT, local(WED, 20), nxt(THU, 9)),
    # Texas: 9 am–9 pm Monday–Saturday, noon–9 pm Sunday.
    ("TX: 8:59 waits for 9:00", DALLAS, local(WED, 8, 59, zone=CHI), nxt(WED, 9, zone=CHI)),
    ("TX: 9:00 allowed", DALLAS, local(WED, 9, zone=CHI), local(WED, 9, zone=CHI)),
    ("TX: 20:59 allowed", DALLAS, local(WED, 20, 59, zone=CHI), local(WED, 20, 59, zone=CHI)),
    ("TX: 21:00 waits for 9:00", DALLAS, local(WED, 21, zone=CHI), nxt(THU, 9, zone=CHI)),
    ("TX: Saturday 9:00 allowed", DALLAS, local(SAT, 9, zone=CHI), local(SAT, 9, zone=CHI)),
    ("TX: Saturday 21:00 waits for Sunday noon", DALLAS, local(SAT, 21, zone=CHI), nxt(SUN, 12, zone=CHI)),
    ("TX: Sunday 9:00 waits for noon", DALLAS, local(SUN, 9, zone=CHI), nxt(SUN, 12, zone=CHI)),
    ("TX: Sunday 11:59:59 waits for noon", DALLAS, local(SUN, 11, 59, 59, zone=CHI), nxt(SUN, 12, zone=CHI)),
    ("TX: Sunday noon allowed", DALLAS, local(SUN, 12, zone=CHI), local(SUN, 12, zone=CHI)),
    ("TX: Sunday 20:59 allowed", DALLAS, local(SUN, 20, 59, zone=CHI), local(SUN, 20, 59, zone=CHI)),
    ("TX: Sunday 21:00 waits for Monday 9:00", DALLAS, local(SUN, 21, zone=CHI), nxt(MON, 9, zone=CHI)),
    ("TX El Paso: Mountain time", EL_PASO, local(WED, 8, 30, zone=DEN), nxt(WED, 9, zone=DEN)),
    # Both DST days (New York): the window is local wall-clock time.
    ("spring forward: 7:59 EDT waits for 8:00 EDT", NYC, local(SPRING_FORWARD, 7, 59), nxt(SPRING_FORWARD, 8)),
    (
        "spring forward: 1:30 EST waits for 8:00 EDT (12:00 UTC)",
        NYC,
        local(SPRING_FORWARD, 1, 30),
        datetime(2026, 3, 8, 12, 0, tzinfo=UTC),
    ),
    (
        "spring forward: the evening before waits for 8:00 EDT",
        NYC,
        local(SAT, 21, 30),
        datetime(2026, 3, 8, 12, 0, tzinfo=UTC),
    ),
    ("spring forward: 20:59 EDT allowed", NYC, local(SPRING_FORWARD, 20, 59), local(SPRING_FORWARD, 20, 59)),
    ("spring forward: 21:00 EDT waits", NYC, local(SPRING_FORWARD, 21), nxt((2026, 3, 9), 8)),
    (
        "fall back: 1:30 (second time) waits for 8:00 EST (13:00 UTC)",
        NYC,
        datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
        datetime(2026, 11, 1, 13, 0, tzinfo=UTC),
    ),
    (
        "fall back: the evening before waits for 8:00 EST",
        NYC,
        local((2026, 10, 31), 22),
        datetime(2026, 11, 1, 13, 0, tzinfo=UTC),
    ),
    ("fall back: 8:00 EST allowed", NYC, local(FALL_BACK, 8), local(FALL_BACK, 8)),
    ("fall back: 21:00 EST waits", NYC, local(FALL_BACK, 21), nxt((2026, 11, 2), 8)),
    (
        "fall back in Texas, Sunday: waits for noon CST",
        DALLAS,
        local(FALL_BACK, 10, zone=CHI),
        datetime(2026, 11, 1, 18, 0, tzinfo=UTC),
    ),
    # Canadian numbers: their own zone, the federal window (CASL adds sender identification).
    ("Vancouver: 7:30 Pacific waits for 8:00 Pacific", VANCOUVER, local(WED, 7, 30, zone=VAN), nxt(WED, 8, zone=VAN)),
    ("Vancouver: 11:00 Eastern is 8:00 Pacific", VANCOUVER, local(WED, 11), local(WED, 8, zone=VAN)),
    ("Vancouver: 21:00 Pacific waits", VANCOUVER, local(WED, 21, zone=VAN), nxt(THU, 8, zone=VAN)),
    ("Toronto: 22:30 waits for 8:00", TORONTO, local(WED, 22, 30, zone=TOR), nxt(THU, 8, zone=TOR)),
    # Area codes spanning two zones: allowed only when allowed in both.
    (
        "208: 8:30 Mountain is 7:30 Pacific, waits for 8:00 Pacific",
        IDAHO,
        local(WED, 8, 30, zone=BOISE),
        nxt(WED, 8, zone=LA),
    ),
    ("208: 8:00 Pacific allowed", IDAHO, local(WED, 8, zone=LA), local(WED, 8, zone=LA)),
    ("208: 20:59 Mountain allowed", IDAHO, local(WED, 20, 59, zone=BOISE), local(WED, 20, 59, zone=BOISE)),
    (
        "208: 21:00 Mountain (20:00 Pacific) waits for 8:00 Pacific",
        IDAHO,
        local(WED, 21, zone=BOISE),
        nxt(THU, 8, zone=LA),
    ),
    ("701: 8:00 Central is 7:00 Mountain, waits", NORTH_DAKOTA, local(WED, 8, zone=CHI), nxt(WED, 8, zone=DEN)),
    ("701: 21:00 Central (20:00 Mountain) waits", NORTH_DAKOTA, local(WED, 21, zone=CHI), nxt(THU, 8, zone=DEN)),
    ("Hawaii: noon in New York is 7:00 in Honolulu", HAWAII, local(WED, 12), nxt(WED, 8, zone=HNL)),
]


@pytest.mark.parametrize("why,number,at,expected", TABLE, ids=[row[0] for row in TABLE])
def test_next_allowed_instant(why, number, at, expected):
    assert next_allowed_instant(number=number, at=at) == expected
    assert allowed_now(number=number, at=at) == (expected == at)


@pytest.mark.parametrize(
    "number,state,zones",
    [
        (NYC, "NY", {"America/New_York"}),
        (FLORIDA, "FL", {"America/New_York"}),
        (PENSACOLA, "FL", {"America/Chicago"}),
        (CONNECTICUT, "CT", {"America/New_York"}),
        (DALLAS, "TX", {"America/Chicago"}),
        (EL_PASO, "TX", {"America/Denver"}),
        (IDAHO, "", {"America/Boise", "America/Los_Angeles"}),
        (VANCOUVER, "", {"America/Vancouver"}),
    ],
)
def test_recipient_zone_and_state_come_from_the_number(number, state, zones):
    recipient = recipient_of(number)
    assert recipient.state == state
    assert {zone.key for zone in recipient.zones} == zones


def test_rules_name_their_source_and_a_number_without_zone_falls_back_to_the_location():
    assert all(rule.source for rule in [FEDERAL, *STATE_RULES.values()])
    # Toll-free: no zone of its own.
    assert [zone.key for zone in recipient_of("+18005550100", "America/Denver").zones] == ["America/Denver"]
    # Not parseable at all: the fallback zone, the federal window.
    recipient = recipient_of("not a number", "America/Denver")
    assert [zone.key for zone in recipient.zones] == ["America/Denver"] and recipient.rule is FEDERAL
    at = datetime(2026, 3, 4, 7, 0, tzinfo=DEN)
    assert next_allowed_instant(number="not a number", at=at, fallback_zone="America/Denver") == local(WED, 8, zone=DEN)
