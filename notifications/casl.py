"""CASL (Canada's Anti-Spam Legislation, S.C. 2010 c. 23, s. 6(2) and the CRTC's Electronic
Commerce Protection Regulations, s. 2–3): a commercial electronic message to a Canadian number
identifies its sender and offers an unsubscribe mechanism in the message itself. Pure functions:
`casl_text` adds what is missing to an automated text to a Canadian number (`phonenumbers`
region CA), nothing to any other number.

SMS segments: GSM-7 text fits 160 characters in one segment and 153 per segment of a longer
text; anything outside GSM-7 (an accent like "é" is in it, "ï", "’" or an emoji are not)
makes the text UCS-2, 70 and 67. The sender's name is capped so the additions stay short
(≈ 60 characters), and the unsubscribe line is never dropped to save a segment.
"""

from __future__ import annotations

import re

import phonenumbers

UNSUBSCRIBE = "Reply STOP to unsubscribe."
SENDER_NAME_MAX = 40
_REPLY_STOP = re.compile(r"\s*Reply STOP to [^.]*\.?", re.IGNORECASE)

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")  # two characters each


def is_canadian(number: str) -> bool:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number, None)) == "CA"
    except phonenumbers.NumberParseException:
        return False


def sms_segments(text: str) -> int:
    """How many SMS segments `text` is sent as (GSM-7 160/153, else UCS-2 70/67 per segment)."""
    if all(ch in GSM7 or ch in GSM7_EXTENDED for ch in text):
        length = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
        single, multi = 160, 153
    else:
        length = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)  # UTF-16 code units
        single, multi = 70, 67
    if length <= single:
        return 1
    return -(-length // multi)


def sender_name(*, location=None, brand=None) -> str:
    """The name a recipient knows the sender by: the Location's, with its brand's when the
    Location's name does not already say it; at most SENDER_NAME_MAX characters."""
    brand = brand or getattr(location, "brand", None)
    location_name = (getattr(location, "name", "") or "").strip()
    brand_name = (getattr(brand, "name", "") or "").strip()
    if location_name and brand_name and brand_name.lower() not in location_name.lower():
        name = f"{brand_name} {location_name}"
    else:
        name = location_name or brand_name
    return name[:SENDER_NAME_MAX].rstrip()  # no "…": it is not GSM-7 and would double the segments


def casl_text(body: str, *, number: str, sender: str, aliases: tuple[str, ...] = ()) -> str:
    """`body` as a commercial text to `number` may be sent: for a Canadian number, prefixed with
    the sender's name unless the text already names it (or one of its `aliases`, the Location's
    own name), and ending with UNSUBSCRIBE (another "Reply STOP to …" sentence is replaced, not
    repeated). Other numbers: unchanged."""
    if not is_canadian(number):
        return body
    text = _REPLY_STOP.sub("", body).strip()
    names = [name.lower() for name in (sender, *aliases) if name and name.strip()]
    if sender and not any(name in text.lower() for name in names):
        text = f"{sender}: {text}"
    return f"{text} {UNSUBSCRIBE}"
