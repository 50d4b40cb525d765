"""Call routing decision (DESIGN.md "Call routing decision (the contract)", seed 002).

`route_call` is a pure function: facts in, decision out, no database. `route_call_for_location`
gathers the facts of a Location (its numbers, its owners' phones, the distribution list and the
settings-wide call center manager) and calls it.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, time

from accounts.hours import BUSINESS_CLOSE, BUSINESS_OPEN, is_business_day
from accounts.models import Membership
from notifications.optouts import numbers_not_opted_out

ANSWERING_ONLY = "answering_only"
BUSINESS_HOURS_PLAN = "business_hours"
NIGHT_START = time(23)  # the call center's night line, any day
TWENTY_FOUR_SEVEN = "twenty_four_seven"

CALLER_TYPES = ("lead", "existing_customer", "employee", "other")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

TARGET_LABELS = {
    "back_office": "the back office number",
    "after_hours": "the after-hours number",
    "mobile": "the mobile number",
    "call_center_manager": "the ProNexis call center manager",
    "owner": "an owner's own phone",
    "location": "the Location",
}

# The words a person reads (the console's call card and the owners' /routing/ simulator share
# messaging/_routing_decision.html).
ACTION_WORDS = {"book": "Work the lead and book", "transfer": "Transfer the call", "message": "Take a message"}
STEP_TARGET_WORDS = {
    "back_office": "Back office",
    "after_hours": "After hours",
    "mobile": "Mobile",
    "call_center_manager": "Call center manager",
    "owner": "Owner's own phone",
    "location": "The Location",
}

_SETTINGS = object()  # sentinel: read CALL_CENTER_MANAGER_NUMBER from settings


class NaiveTimeRefused(ValueError):
    """`at` without a UTC offset: the local time of the call would be a guess."""


@dataclass(frozen=True)
class Step:
    kind: str  # call | email | sms
    target: str  # back_office | after_hours | mobile | call_center_manager | owner | location
    number: str = ""
    address: str = ""

    @property
    def label(self) -> str:
        return TARGET_LABELS.get(self.target, self.target)

    @property
    def target_words(self) -> str:
        return STEP_TARGET_WORDS.get(self.target, self.target)

    def as_dict(self) -> dict:
        data = {"kind": self.kind, "target": self.target}
        if self.kind == "email":
            data["address"] = self.address
        else:
            data["number"] = self.number
        return data


@dataclass
class Decision:
    action: str  # transfer | message | book
    rule: int
    period: str  # business_hours | evening | weekend_day | night
    local_time: datetime
    steps: list[Step] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def action_words(self) -> str:
        return ACTION_WORDS.get(self.action, self.action)

    def as_dict(self) -> dict:
        return {
            "action": self.action,
            "rule": self.rule,
            "period": self.period,
            "local_time": self.local_time.isoformat(),
            "steps": [step.as_dict() for step in self.steps],
            "reasons": list(self.reasons),
        }


def period_of(local: datetime) -> str:
    """Business hours Mon–Fri 09:00–17:00 inclusive; evening Mon–Fri 17:01–22:59; weekend day
    Sat–Sun 09:00–22:59; night 23:00–08:59 any day. Minutes matter, seconds do not."""
    minute_of_day = local.hour * 60 + local.minute
    if minute_of_day < _minutes(BUSINESS_OPEN) or minute_of_day >= _minutes(NIGHT_START):
        return "night"
    if not is_business_day(local.date()):
        return "weekend_day"
    if minute_of_day <= _minutes(BUSINESS_CLOSE):  # 17:00 itself still answers as business hours
        return "business_hours"
    return "evening"


def _minutes(moment) -> int:
    return moment.hour * 60 + moment.minute


PERIOD_WORDS = {
    "business_hours": "business hours (Mon–Fri 9:00–17:00)",
    "evening": "evening (Mon–Fri 17:01–22:59)",
    "weekend_day": "a weekend day (Sat–Sun 9:00–22:59)",
    "night": "night (23:00–8:59)",
}


def route_call(
    *,
    plan: str,
    time_zone: str,
    at: datetime,
    caller_type: str = "other",
    asks_for_by_name: bool = False,
    not_urgent: bool = False,
    wants_message: bool = False,
    emergency: bool = False,
    needed_within_24h: bool = False,
    employee_scheduling: bool = False,
    spam: bool = False,
    back_office: str = "",
    after_hours: str = "",
    mobile: str = "",
    owner_numbers: tuple[str, ...] | list[str] = (),
    notification_emails: tuple[str, ...] | list[str] = (),
    sms_distribution_enabled: bool = False,
    sms_distribution_list: tuple[str, ...] | list[str] = (),
    call_center_manager=_SETTINGS,
) -> Decision:
    """Seed 002 as DESIGN.md's table: rules 0..7, first match wins."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise NaiveTimeRefused("`at` needs a UTC offset (for example 2025-03-10T09:00:00-04:00).")
    if call_center_manager is _SETTINGS:
        from django.conf import settings

        call_center_manager = getattr(settings, "CALL_CENTER_MANAGER_NUMBER", "") or ""
    local = at.astimezone(zoneinfo.ZoneInfo(time_zone)).replace(second=0, microsecond=0)
    period = period_of(local)
    when = f"{DAYS[local.weekday()]} {local:%H:%M} {time_zone}"

    message_steps = [Step("email", "location", address=", ".join(notification_emails))]
    if sms_distribution_enabled and sms_distribution_list:
        message_steps.append(Step("sms", "location", number=", ".join(sms_distribution_list)))

    def decide(action, rule, reason, steps=None):
        decision = Decision(action=action, rule=rule, period=period, local_time=local, reasons=[reason])
        if action == "message":
            decision.steps = list(message_steps)
            if len(message_steps) == 1 and sms_distribution_enabled:
                decision.reasons.append("No SMS reminder: the distribution list is empty.")
        elif steps is not None:
            decision.steps = steps
        return decision

    if plan == ANSWERING_ONLY:
        return decide("message", 0, "Rule 0: answering-service-only plan — every call becomes a message.")
    if spam:
        return decide("message", 1, "Rule 1: spam or telemarketer — take a message.")
    if wants_message:
        return decide("message", 2, "Rule 2: the caller asks to leave a message.")
    if caller_type == "lead" and not asks_for_by_name:
        return decide(
            "book", 3, "Rule 3: a lead who does not ask for the owner by name — work the lead and book, no transfer."
        )
    if period != "business_hours" and plan == BUSINESS_HOURS_PLAN:
        return decide(
            "message",
            4,
            f"Rule 4: {when} is outside business hours (Mon–Fri 9:00–17:00) on a business-hours plan — take a message.",
        )

    numbers = {"back_office": back_office, "after_hours": after_hours, "mobile": mobile}
    notes: list[str] = []

    def calls(targets: list[str]) -> list[Step]:
        """Call steps for Location numbers; missing ones skipped; all three missing → owners."""
        if not any(numbers.values()):
            owners = [n for n in owner_numbers if n]
            if owners:
                notes.append("The Location has no contact numbers: the owners' own phones are called instead.")
            else:
                notes.append("The Location has no contact numbers and no owner phone is on file.")
            return [Step("call", "owner", number=n) for n in dict.fromkeys(owners)]
        steps = []
        for target in targets:
            if numbers[target]:
                steps.append(Step("call", target, number=numbers[target]))
            else:
                notes.append(f"Skipped: no {target.replace('_', ' ')} number on file.")
        return steps

    def manager_step() -> list[Step]:
        if call_center_manager:
            return [Step("call", "call_center_manager", number=call_center_manager)]
        notes.append("Skipped: no call center manager number configured.")
        return []

    def transfer(rule, reason, steps):
        if not any(step.kind == "call" for step in steps):
            decision = decide("message", rule, reason)
            decision.reasons += notes + ["No number to transfer to — take a message."]
            return decision
        decision = decide("transfer", rule, reason, steps)
        decision.reasons += notes
        return decision

    if period == "business_hours":
        customer_within_24h = caller_type == "existing_customer" and needed_within_24h
        why = None
        if emergency:
            why = "an emergency as the brand defines it"
        elif customer_within_24h:
            why = "an existing customer who needs information within 24 hours"
        elif employee_scheduling:
            why = "an employee scheduling issue"
        elif asks_for_by_name and not not_urgent:
            why = "the caller asks for the owner or an employee by name"
        if why is None:
            if asks_for_by_name and not_urgent:
                detail = "asks by name but the matter is not urgent"
            elif caller_type == "employee":
                detail = "an employee with a non-emergency issue"
            elif caller_type == "existing_customer":
                detail = "an existing customer who does not need information within 24 hours"
            else:
                detail = "nothing that calls for a transfer"
            return decide("message", 5, f"Rule 5: {when} is business hours; {detail} — take a message.")
        urgent = emergency or customer_within_24h
        steps = calls(["back_office"])
        steps += message_steps
        if urgent:
            if any(numbers.values()):
                steps += calls(["mobile", "after_hours"])
            steps += manager_step()
        reason = f"Rule 5: {when} is business hours and this is {why} — transfer."
        if urgent:
            reason += " Urgent: continue with mobile, after-hours and the call center manager."
        return transfer(5, reason, steps)

    if plan == TWENTY_FOUR_SEVEN and period in ("evening", "weekend_day"):
        if emergency or employee_scheduling:
            why = "an emergency" if emergency else "an employee scheduling issue"
            steps = calls(["after_hours", "back_office"]) + message_steps
            return transfer(
                6, f"Rule 6: {when} is {PERIOD_WORDS[period]} on a 24/7 plan and this is {why} — transfer.", steps
            )
        return decide(
            "message",
            6,
            f"Rule 6: {when} is {PERIOD_WORDS[period]} on a 24/7 plan; only emergencies and employee scheduling "
            "issues are transferred — take a message.",
        )
    # Rule 7: 23:00–08:59 on a 24/7 plan (any other plan was handled above).
    return decide("message", 7, f"Rule 7: {when} is between 23:00 and 8:59 — take a message, emergencies included.")


def decision_to_dict(decision: Decision) -> dict:
    return decision.as_dict()


def location_facts(location) -> dict:
    """The facts of a Location the routing decision needs (two queries at most: owners' phones,
    opt-outs). The distribution list is the numbers an SMS reminder reaches: one that texted
    STOP is left out (seed 001; DESIGN.md "Lead SMS": STOP honoured before every send)."""
    owner_numbers: list[str] = []
    if not (location.back_office or location.after_hours or location.mobile):
        owner_numbers = list(
            Membership.objects.filter(location=location, role="owner")
            .exclude(user__phone="")
            .order_by("created_at")
            .values_list("user__phone", flat=True)
        )
    return {
        "plan": location.plan,
        "time_zone": location.time_zone,
        "back_office": location.back_office,
        "after_hours": location.after_hours,
        "mobile": location.mobile,
        "owner_numbers": owner_numbers,
        "notification_emails": list(location.notification_emails),
        "sms_distribution_enabled": location.sms_distribution_enabled,
        "sms_distribution_list": numbers_not_opted_out(location.sms_distribution_list)
        if location.sms_distribution_enabled
        else [],
    }


def route_call_for_location(*, location, at: datetime, **caller) -> Decision:
    return route_call(at=at, **location_facts(location), **caller)


__all__ = ["Decision", "NaiveTimeRefused", "Step", "period_of", "route_call", "route_call_for_location"]
