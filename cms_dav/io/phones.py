"""Is a spreadsheet cell a phone number at all?

Only garbage is rejected here; comparing numbers is the job of
cms_dav.contacts.normalize.phone_keys, so there is one notion of "same phone".
"""

from __future__ import annotations

import re

_EXTENSION = re.compile(r"(?i)\s*(ext|x|wew)\.?\s*\d+$")


def looks_like_phone(raw: str) -> bool:
    """Digits with phone punctuation, 3-17 digits; no region is enforced."""
    text = _EXTENSION.sub("", raw.strip())
    if text.lower().startswith("tel:"):
        text = text[4:]
    digits = sum(c.isdigit() for c in text)
    return 3 <= digits <= 17 and not re.search(r"[^\d\s()+./-]", text)
