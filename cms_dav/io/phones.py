"""Phone number parsing shared by row validation, matching and dedupe.

Private stand-in: cms_dav.contacts.normalize did not exist when this was
written; switch to it once it does so there is one definition of "same phone".
"""

from __future__ import annotations

import re

import phonenumbers

_LETTERS = re.compile(r"[A-Za-z]{2,}")


def parse_phone(raw: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    """The number, or None when it is not a phone number at all."""
    text = raw.strip()
    if not text or _LETTERS.search(re.sub(r"(?i)\b(ext|x|wew)\.?\s*\d+$", "", text)):
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_possible_number(number) else None


def looks_like_phone(raw: str) -> bool:
    """Reject garbage (letters, too few/many digits) without enforcing one region."""
    text = re.sub(r"(?i)\s*(ext|x|wew)\.?\s*\d+$", "", raw.strip())
    digits = sum(c.isdigit() for c in text)
    return 3 <= digits <= 17 and not re.search(r"[^\d\s()+./-]", text)


def normalize_phone(raw: str, region: str | None) -> str:
    """E.164 when parseable, else the bare digits: a comparison key, not display text."""
    number = parse_phone(raw, region)
    if number is not None:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return re.sub(r"[^\d+]", "", raw)
