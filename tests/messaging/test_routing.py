"""Table tests of the call routing decision (DESIGN.md "Call routing decision", seed 002)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from messaging.routing import NaiveTimeRefused, route_call

NY, DENVER, PHOENIX = "America/New_York", "America/Denver", "America/Phoenix"
MANAGER = "+18885550100"

NUMBERS = {"back_office": "+12125550001", "after_hours": "+12125550002", "mobile": "+19175550003"}
EMAILS = ["office@example.test"]


def local(zone: str, text: str) -> datetime:
    """A wall time in `zone`, handed to the function in UTC (the function must convert back)."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def decide(plan: str, zone: str, when: str, sms: bool = False, numbers=None, owners=(), **caller):
    return route_call(
        plan=plan,
        time_zone=zone,
        at=local(zone, when),
        notification_emails=EMAILS,
        sms_distribution_enabled=sms,
        sms_distribution_list=["+19175550009"] if sms else [],
        owner_numbers=list(owners),
        call_center_manager=MANAGER,
        **(NUMBERS if numbers is None else numbers),
        **caller,
    )


def shape(decision) -> tuple:
    return decision.action, decision.rule, [(s["kind"], s["target"]) for s in decision.as_dict()["steps"]]


EMAIL = ("email", "location")
SMS = ("sms", "location")
BO, AH, MOB, MGR = ("call", "back_office"), ("call", "after_hours"), ("call", "mobile"), ("call", "call_center_manager")
URGENT_BH = [BO, EMAIL, MOB, AH, MGR]
EVENING = [AH, BO, EMAIL]

# 2025-03-10 is a Monday (the day after the US spring-forward change), 2025-03-14 a Friday.
TABLE = [
    # business-hours plan, caller asks for the owner by name: boundaries of business hours
    ("business_hours", NY, "2025-03-10 08:59", dict(asks_for_by_name=True), ("message", 4, [EMAIL])),
    ("business_hours", NY, "2025-03-10 09:00", dict(asks_for_by_name=True), ("transfer", 5, [BO, EMAIL])),
    ("business_hours", NY, "2025-03-10 17:00", dict(asks_for_by_name=True), ("transfer", 5, [BO, EMAIL])),
    ("business_hours", NY, "2025-03-10 17:00:59", dict(asks_for_by_name=True), ("transfer", 5, [BO, EMAIL])),
    ("business_hours", NY, "2025-03-10 17:01", dict(asks_for_by_name=True), ("message", 4, [EMAIL])),
    ("business_hours", NY, "2025-03-10 22:59", dict(emergency=True), ("message", 4, [EMAIL])),
    ("business_hours", NY, "2025-03-15 10:00", dict(emergency=True), ("message", 4, [EMAIL])),
    # rule 5 outcomes in business hours
    ("business_hours", NY, "2025-03-11 10:00", dict(emergency=True), ("transfer", 5, URGENT_BH)),
    (
        "business_hours",
        NY,
        "2025-03-11 10:00",
        dict(caller_type="existing_customer", needed_within_24h=True),
        ("transfer", 5, URGENT_BH),
    ),
    ("business_hours", NY, "2025-03-11 10:00", dict(caller_type="existing_customer"), ("message", 5, [EMAIL])),
    (
        "business_hours",
        NY,
        "2025-03-11 10:00",
        dict(caller_type="employee", employee_scheduling=True),
        ("transfer", 5, [BO, EMAIL]),
    ),
    ("business_hours", NY, "2025-03-11 10:00", dict(caller_type="employee"), ("message", 5, [EMAIL])),
    ("business_hours", NY, "2025-03-11 10:00", dict(asks_for_by_name=True, not_urgent=True), ("message", 5, [EMAIL])),
    ("business_hours", NY, "2025-03-11 10:00", dict(), ("message", 5, [EMAIL])),
    # rules 1–3 come first
    ("twenty_four_seven", DENVER, "2025-03-11 10:00", dict(spam=True, emergency=True), ("message", 1, [EMAIL])),
    (
        "twenty_four_seven",
        DENVER,
        "2025-03-11 10:00",
        dict(wants_message=True, emergency=True),
        ("message", 2, [EMAIL]),
    ),
    ("business_hours", NY, "2025-03-11 03:00", dict(caller_type="lead"), ("book", 3, [])),
    ("business_hours", NY, "2025-03-15 20:00", dict(caller_type="lead"), ("book", 3, [])),
    (
        "business_hours",
        NY,
        "2025-03-11 10:00",
        dict(caller_type="lead", asks_for_by_name=True),
        ("transfer", 5, [BO, EMAIL]),
    ),
    (
        "business_hours",
        NY,
        "2025-03-11 20:00",
        dict(caller_type="lead", asks_for_by_name=True),
        ("message", 4, [EMAIL]),
    ),
    # rule 0: answering only, whatever happens
    ("answering_only", PHOENIX, "2025-03-11 10:00", dict(emergency=True), ("message", 0, [EMAIL])),
    ("answering_only", PHOENIX, "2025-03-11 10:00", dict(caller_type="lead"), ("message", 0, [EMAIL])),
    # 24/7: business hours still rule 5
    ("twenty_four_seven", DENVER, "2025-03-10 17:00", dict(emergency=True), ("transfer", 5, URGENT_BH)),
    # 24/7 evening: 17:01–22:59 emergencies and employee scheduling only
    ("twenty_four_seven", DENVER, "2025-03-10 17:01", dict(emergency=True), ("transfer", 6, EVENING)),
    ("twenty_four_seven", DENVER, "2025-03-10 22:59", dict(emergency=True), ("transfer", 6, EVENING)),
    ("twenty_four_seven", DENVER, "2025-03-10 22:59", dict(employee_scheduling=True), ("transfer", 6, EVENING)),
    ("twenty_four_seven", DENVER, "2025-03-10 20:00", dict(asks_for_by_name=True), ("message", 6, [EMAIL])),
    (
        "twenty_four_seven",
        DENVER,
        "2025-03-10 20:00",
        dict(caller_type="existing_customer", needed_within_24h=True),
        ("message", 6, [EMAIL]),
    ),
    # 24/7 night: 23:00–08:59, emergencies included
    ("twenty_four_seven", DENVER, "2025-03-10 23:00", dict(emergency=True), ("message", 7, [EMAIL])),
    ("twenty_four_seven", DENVER, "2025-03-11 08:59", dict(emergency=True), ("message", 7, [EMAIL])),
    ("twenty_four_seven", DENVER, "2025-03-11 00:00", dict(employee_scheduling=True), ("message", 7, [EMAIL])),
    # Friday into Saturday
    ("twenty_four_seven", DENVER, "2025-03-14 22:59", dict(emergency=True), ("transfer", 6, EVENING)),
    ("twenty_four_seven", DENVER, "2025-03-14 23:00", dict(emergency=True), ("message", 7, [EMAIL])),
    ("twenty_four_seven", DENVER, "2025-03-15 08:59", dict(emergency=True), ("message", 7, [EMAIL])),
    ("twenty_four_seven", DENVER, "2025-03-15 09:00", dict(emergency=True), ("transfer", 6, EVENING)),
    ("twenty_four_seven", DENVER, "2025-03-15 17:00", dict(emergency=True), ("transfer", 6, EVENING)),
    ("twenty_four_seven", DENVER, "2025-03-16 22:59", dict(emergency=True), ("transfer", 6, EVENING)),
    ("twenty_four_seven", DENVER, "2025-03-16 23:00", dict(emergency=True), ("message", 7, [EMAIL])),
    ("business_hours", NY, "2025-03-14 17:00", dict(asks_for_by_name=True), ("transfer", 5, [BO, EMAIL])),
    ("business_hours", NY, "2025-03-15 09:00", dict(asks_for_by_name=True), ("message", 4, [EMAIL])),
    # Phoenix (no DST) on a 24/7 plan: third zone
    ("twenty_four_seven", PHOENIX, "2025-07-07 09:00", dict(emergency=True), ("transfer", 5, URGENT_BH)),
    ("twenty_four_seven", PHOENIX, "2025-07-07 08:59", dict(emergency=True), ("message", 7, [EMAIL])),
]


@pytest.mark.parametrize("plan,zone,when,caller,expected", TABLE, ids=[f"{r[0]}-{r[1]}-{r[2]}-{r[3]}" for r in TABLE])
def test_routing_table(plan, zone, when, caller, expected):
    decision = decide(plan, zone, when, **caller)
    assert shape(decision) == expected
    assert decision.reasons and decision.reasons[0].startswith(f"Rule {expected[1]}")


@pytest.mark.parametrize(
    "utc,expected",
    [
        # spring forward (2025-03-09): Monday 09:00 EDT is 13:00 UTC; a week before, 09:00 EST was 14:00 UTC
        ("2025-03-10T12:59:00+00:00", "message"),
        ("2025-03-10T13:00:00+00:00", "transfer"),
        ("2025-03-03T13:00:00+00:00", "message"),
        ("2025-03-03T14:00:00+00:00", "transfer"),
        ("2025-03-10T21:00:00+00:00", "transfer"),  # 17:00 EDT
        ("2025-03-10T21:01:00+00:00", "message"),  # 17:01 EDT
        # fall back (2025-11-02): Monday 09:00 EST is 14:00 UTC; the Monday before, 09:00 EDT was 13:00 UTC
        ("2025-11-03T13:59:00+00:00", "message"),
        ("2025-11-03T14:00:00+00:00", "transfer"),
        ("2025-10-27T13:00:00+00:00", "transfer"),
        ("2025-11-03T22:00:00+00:00", "transfer"),  # 17:00 EST
        ("2025-11-03T22:01:00+00:00", "message"),
    ],
)
def test_business_hours_follow_both_dst_changes(utc, expected):
    decision = route_call(
        plan="business_hours",
        time_zone=NY,
        at=datetime.fromisoformat(utc),
        asks_for_by_name=True,
        notification_emails=EMAILS,
        **NUMBERS,
    )
    assert decision.action == expected


def test_dst_nights_on_a_24_7_plan():
    # Denver, Sunday 2025-03-09 (spring forward at 02:00): 22:59 MDT is a weekend day, 23:00 is night.
    assert decide("twenty_four_seven", DENVER, "2025-03-09 22:59", emergency=True).rule == 6
    assert decide("twenty_four_seven", DENVER, "2025-03-09 23:00", emergency=True).rule == 7
    # Sunday 2025-11-02 (fall back): 01:30 happens twice, both night; 09:00 MST is a weekend day.
    first = datetime(2025, 11, 2, 7, 30, tzinfo=UTC)  # 01:30 MDT
    second = first + timedelta(hours=1)  # 01:30 MST
    for at in (first, second):
        decision = route_call(plan="twenty_four_seven", time_zone=DENVER, at=at, emergency=True, **NUMBERS)
        assert (decision.rule, decision.local_time.hour, decision.local_time.minute) == (7, 1, 30)
    assert decide("twenty_four_seven", DENVER, "2025-11-02 09:00", emergency=True).action == "transfer"


def test_the_offset_of_at_does_not_matter_only_the_instant():
    at = datetime.fromisoformat("2025-03-10T15:00:00+02:00")  # 13:00 UTC = 09:00 EDT
    decision = route_call(plan="business_hours", time_zone=NY, at=at, asks_for_by_name=True, **NUMBERS)
    assert decision.action == "transfer"
    assert decision.local_time.isoformat() == "2025-03-10T09:00:00-04:00"


def test_naive_at_is_refused():
    with pytest.raises(NaiveTimeRefused):
        route_call(plan="business_hours", time_zone=NY, at=datetime(2025, 3, 10, 9, 0))


def test_steps_carry_the_real_numbers_and_addresses():
    decision = decide("business_hours", NY, "2025-03-11 10:00", sms=True, emergency=True).as_dict()
    assert decision["steps"] == [
        {"kind": "call", "target": "back_office", "number": NUMBERS["back_office"]},
        {"kind": "email", "target": "location", "address": "office@example.test"},
        {"kind": "sms", "target": "location", "number": "+19175550009"},
        {"kind": "call", "target": "mobile", "number": NUMBERS["mobile"]},
        {"kind": "call", "target": "after_hours", "number": NUMBERS["after_hours"]},
        {"kind": "call", "target": "call_center_manager", "number": MANAGER},
    ]


def test_a_message_has_one_email_step_plus_sms_when_the_distribution_list_is_on():
    assert shape(decide("business_hours", NY, "2025-03-11 20:00", sms=True))[2] == [EMAIL, SMS]
    assert shape(decide("business_hours", NY, "2025-03-11 20:00", sms=False))[2] == [EMAIL]


def test_missing_numbers_are_skipped():
    numbers = {"back_office": "+12125550001", "after_hours": "", "mobile": ""}
    decision = decide("business_hours", NY, "2025-03-11 10:00", numbers=numbers, emergency=True)
    assert shape(decision) == ("transfer", 5, [BO, EMAIL, MGR])
    assert any("no mobile number" in reason for reason in decision.reasons)
    numbers = {"back_office": "", "after_hours": "+12125550002", "mobile": ""}
    decision = decide("twenty_four_seven", DENVER, "2025-03-11 20:00", numbers=numbers, emergency=True)
    assert shape(decision) == ("transfer", 6, [AH, EMAIL])


def test_all_three_missing_falls_back_to_the_owners_phones():
    none = {"back_office": "", "after_hours": "", "mobile": ""}
    decision = decide(
        "business_hours", NY, "2025-03-11 10:00", numbers=none, owners=["+15555550101", "+15555550102"], emergency=True
    )
    assert shape(decision) == ("transfer", 5, [("call", "owner"), ("call", "owner"), EMAIL, MGR])
    assert [s["number"] for s in decision.as_dict()["steps"] if s["target"] == "owner"] == [
        "+15555550101",
        "+15555550102",
    ]
    decision = decide(
        "twenty_four_seven", DENVER, "2025-03-11 20:00", numbers=none, owners=["+15555550101"], emergency=True
    )
    assert shape(decision) == ("transfer", 6, [("call", "owner"), EMAIL])
    # nobody to call at all: a message
    decision = decide("twenty_four_seven", DENVER, "2025-03-11 20:00", numbers=none, emergency=True)
    assert decision.action == "message"


def test_call_center_manager_comes_from_settings(settings):
    settings.CALL_CENTER_MANAGER_NUMBER = "+18885550123"
    decision = route_call(
        plan="business_hours", time_zone=NY, at=local(NY, "2025-03-11 10:00"), emergency=True, **NUMBERS
    )
    assert decision.as_dict()["steps"][-1] == {
        "kind": "call",
        "target": "call_center_manager",
        "number": "+18885550123",
    }
