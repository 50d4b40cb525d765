"""Card numbers in texts (seed 001: agents never take payment details by SMS).

A card number: 13–19 digits, optionally grouped by single spaces or dashes, passing Luhn.
"""

from __future__ import annotations

import re

CARD_CANDIDATE = re.compile(r"(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])")
REDACTION = "[card number removed]"
PAYMENT_REFUSAL = (
    "For your security we never take card or other payment details by text message. "
    "Please do not send them; we will arrange payment another way."
)


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _is_card(candidate: str) -> bool:
    digits = re.sub(r"[ -]", "", candidate)
    return 13 <= len(digits) <= 19 and luhn_ok(digits)


def contains_card_number(text: str) -> bool:
    return any(_is_card(match.group(0)) for match in CARD_CANDIDATE.finditer(text or ""))


def redact_card_numbers(text: str) -> tuple[str, bool]:
    """The text with every card number replaced, and whether anything was replaced."""
    found = False

    def replace(match):
        nonlocal found
        if _is_card(match.group(0)):
            found = True
            return REDACTION
        return match.group(0)

    return CARD_CANDIDATE.sub(replace, text or ""), found
