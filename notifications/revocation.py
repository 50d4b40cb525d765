"""Consent revoked "by any reasonable means" (FCC 2024 consent-revocation order, 47 CFR
§ 64.1200(a)(10), in force since April 2025): not only the STOP keywords but a plain request —
"please stop texting me", "unsubscribe", "remove me", "no más", "para". A pure function; the
false friends ("stop by tomorrow", "don't stop", "cancel my appointment", "para el martes")
must not match, so bare words count only as the whole message."""

from __future__ import annotations

import re
import unicodedata

# Whole-message keywords (CTIA and Twilio's opt-out keywords, their Spanish counterparts).
KEYWORDS = {
    "stop", "stopall", "stop all", "unsubscribe", "cancel", "end", "quit", "optout", "opt out", "revoke",
    "para", "alto", "basta", "baja", "no mas", "cancelar", "detener", "parar",
}  # fmt: skip
# Words that do not change a whole-message keyword: "STOP please", "para ya por favor".
_POLITE = r"(?:please|pls|plz|now|thanks|thank you|ya|por favor|gracias|right now|already)"
# Requests anywhere in the message. A negation right before one ("don't stop texting me")
# keeps it from matching.
PHRASES = [
    r"\bstop (?:texting|txting|messaging|sending|contacting|calling|bothering|spamming)\b",
    r"\b(?:do not|don't|dont|never) (?:text|txt|message|contact|sms|call)(?: me| us| this number)?\b(?! back)",
    r"\bunsubscribe\b",
    r"\bremove (?:me|my number|this number|us)\b",
    r"\btake (?:me|my number|this number) off\b",
    r"\bopt(?:-| )?(?:me )?out\b",
    r"\bno more (?:texts|text messages|messages|sms)\b",
    r"\bleave me alone\b",
    r"\b(?:lose|delete) (?:my|this) number\b",
    r"\bno (?:me|nos) (?:escriba|escribas|escriban|envie|envies|envien|mande|mandes|manden|contacte|contactes|"
    r"contacten|llame|llamen)\b",
    r"\bno mas (?:mensajes|textos|sms)\b",
    r"\bdej(?:e|en|a) de (?:escribir|enviar|mandar|contactar|llamar)",
    r"\b(?:quitenme|borrenme|eliminen mi numero|saquenme)\b",
]
_NEGATION = re.compile(r"(?:\bdon't|\bdo not|\bdont|\bnever|\bnot|\bno need to|\bno)\s+(?:\w+\s+)?$")
_PHRASES = [re.compile(pattern) for pattern in PHRASES]


def normalize(body: str) -> str:
    """Lower case, accents off ("más" → "mas"), curly apostrophes straight, punctuation out."""
    text = unicodedata.normalize("NFKD", body or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower().replace("’", "'")
    text = re.sub(r"[^\w' ]+", " ", text)
    return " ".join(text.split())


def revocation_of(body: str) -> str | None:
    """'keyword' when the whole message is an opt-out keyword (politeness aside), 'phrase' when it
    asks in words, None otherwise."""
    text = normalize(body)
    bare = re.sub(rf"^(?:{_POLITE} )*(.*?)(?: {_POLITE})*$", r"\1", text)
    if text in KEYWORDS or bare in KEYWORDS:
        return "keyword"
    for pattern in _PHRASES:
        for match in pattern.finditer(text):
            starts_negative = match.group(0).startswith(("do not", "don't", "dont", "never", "no "))
            if starts_negative or not _NEGATION.search(text[: match.start()]):
                return "phrase"
    return None
