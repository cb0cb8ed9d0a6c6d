"""Problems worth telling a user about, found without changing the card.

Validation never blocks a write: a client's card is stored as sent, and these
messages go to ``cms-dav lint`` and to the upload log.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from cms_dav.contacts.card_fields import extract_fields
from cms_dav.contacts.errors import CardFormatError
from cms_dav.contacts.interactions import read_interactions
from cms_dav.contacts.normalize import email_key, parsed_phone
from cms_dav.contacts.vcard_lines import CardParses, card_lines

# Deliberately loose: one '@', a dot in the domain, no spaces. Stricter checks reject real
# addresses.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


@lru_cache(maxsize=4096)
def _phone_problem(raw: str, default_region: str) -> str | None:
    text = raw.strip()
    text = text[4:] if text.lower().startswith("tel:") else text
    region = default_region.upper() or None
    number = parsed_phone(text, region)  # the index parses the same text again
    if number is None:
        hint = "" if region else " (no default region: write it with +country code)"
        return f"TEL {raw!r} is not a phone number that can be read{hint}"
    if not phonenumbers.is_valid_number(number):
        return f"TEL {raw!r} is not a valid number for its country"
    return None


def lint_card(vcard_text: str, default_region: str = "",
              parses: CardParses | None = None) -> list[str]:
    """Human-readable problems of one card; an empty list means none found.
    ``parses``: the write's parses (:class:`~.vcard_lines.CardParses`)."""
    try:
        lines = card_lines(vcard_text, parses)
        fields = extract_fields(vcard_text, default_region, parses)
    except CardFormatError as exc:
        return [f"unreadable card: {exc}"]
    problems: list[str] = []
    if not fields.uid:
        problems.append("UID is missing")
    if not fields.version:
        problems.append("VERSION is missing")
    elif fields.version not in ("3.0", "4.0"):
        problems.append(f"VERSION {fields.version!r} is not 3.0 or 4.0")
    if not fields.fn:
        problems.append("FN (display name) is missing")
    for raw in fields.emails:
        if not _EMAIL.match(email_key(raw)):
            problems.append(f"EMAIL {raw!r} is not a valid e-mail address")
    for raw in fields.phones:
        problem = _phone_problem(raw, default_region)
        if problem:
            problems.append(problem)
    problems += [f"damaged interaction: {exc}" for exc in read_interactions(lines, parses)[1]]
    if fields.is_group and not fields.fn:
        problems.append("group card has no FN, so it cannot be named with --group")
    return problems
