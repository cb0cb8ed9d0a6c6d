"""Custom field values stored inside the contact's vCard.

Format: one ``X-CMS-FIELD`` property per field, key and value both in the value,
RFC 6350-escaped, separated by ';'::

    X-CMS-FIELD:industry;Manufacturing
    X-CMS-FIELD:spend;50000
    X-CMS-FIELD:first-order;2026-03-01

Why the value and not a parameter (``X-CMS-FIELD;KEY=industry:...``): some
clients drop parameters, and ``X-`` properties with a plain text value are valid
in vCard 3.0 (RFC 2426 §3.8) and 4.0 (RFC 6350 §6.10) alike. The key can never
contain ';' or '\\' (:data:`cms_dav.contacts.field_defs.KEY_RE`), so, as for
interactions, the reader takes the first ';' (escaped or not: vobject
re-serializes an unknown property's ';' as ``\\;``) as the separator.

Values are written in their canonical spelling (:meth:`FieldDef.normalize`).
**Cleared:** a field has no value when its property is absent or its value is
empty (``X-CMS-FIELD:industry;``). A client that uploads a card without a field's
property is taken not to know it (most clients drop unknown properties), so the
server puts the stored one back (:func:`merge_preserving_fields`); a field is
cleared by ``cms-dav contacts set CONTACT --field key=`` (the line is removed) or
by a client that writes the property with an empty value.

This module is the only one that knows the format (a test checks that no other
module names the property in code).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from cms_dav.contacts.vcard_lines import (
    CardParses, ContentLine, card_lines, escape, insert_before_end, lenient_lines, rewrite_lines,
    unescape,
)

PROPERTY = "X-CMS-FIELD"
_SEPARATOR = re.compile(r"\\?;")


def encode_property(key: str, value: str) -> str:
    """The unfolded content line (no line ending) for one field value."""
    return f"{PROPERTY}:{escape(key)};{escape(value)}"


def decode_value(value: str) -> tuple[str, str]:
    """(key, value) of one X-CMS-FIELD value; a value without ';' is a key, cleared."""
    parts = _SEPARATOR.split(value, maxsplit=1)
    key = unescape(parts[0]).strip()
    return key, unescape(parts[1]).strip() if len(parts) > 1 else ""


#: a line break and the space or tab that continues the line before it (RFC 6350 §3.2)
_FOLD = re.compile(r"(?:\r\n|\n|\r)[ \t]")


def may_hold_fields(text: str) -> bool:
    """False when no content line of ``text`` can be a field line: the property's name
    (case-insensitive, unfolded) is nowhere in it. Lets a changed card whose stored
    version has no fields skip parsing that version (issue 19: most cards have none)."""
    return PROPERTY in _FOLD.sub("", text).upper()


def read_fields(lines: Iterable[ContentLine]) -> dict[str, str]:
    """Every field among ``lines`` -> its value (``""``: cleared); the first line of a
    key wins, as a client that duplicates a line cannot change the value by it."""
    found: dict[str, str] = {}
    for line in lines:
        if line.name == PROPERTY:
            key, value = decode_value(line.value)
            if key:
                found.setdefault(key, value)
    return found


def card_field_values(text: str, parses: CardParses | None = None) -> dict[str, str]:
    """The fields of a card that have a value; damaged lines are skipped.
    ``parses``: the write's parses (:class:`~.vcard_lines.CardParses`)."""
    return {k: v for k, v in read_fields(lenient_lines(text, parses)).items() if v}


def _without_keys(text: str, keys: set[str]) -> str:
    """The card without the field lines of ``keys``; every other byte is kept."""
    return rewrite_lines(text, PROPERTY, lambda line, logical:
                         None if decode_value(line.value)[0] in keys else logical)[0]


def set_fields(text: str, values: Mapping[str, str]) -> str:
    """The card with each key of ``values`` set (``""``: cleared, its line removed).

    Values must be canonical already (the caller validated them against the field
    definitions); lines of other keys and every other line keep their bytes."""
    card_lines(text)  # validates the card as a whole
    changed = _without_keys(text, set(values))
    new = [encode_property(k, v) for k, v in values.items() if v]
    return insert_before_end(changed, new) if new else changed


def merge_preserving_fields(stored_text: str | None, uploaded_text: str) -> tuple[str, bool]:
    """Put back the field lines of keys the upload lacks; returns (text, changed).

    A key the upload names (even with an empty value) is taken as the client sent
    it. Missing lines are appended before END:VCARD in stored order, written as
    stored; every byte of the upload is kept."""
    if stored_text is None:
        return uploaded_text, False
    uploaded_keys = set(read_fields(card_lines(uploaded_text)))
    if not may_hold_fields(stored_text):
        return uploaded_text, False
    missing = []
    seen: set[str] = set()
    for line in lenient_lines(stored_text):
        if line.name != PROPERTY:
            continue
        key, value = decode_value(line.value)
        if key and key not in uploaded_keys and key not in seen and value:
            seen.add(key)
            missing.append(encode_property(key, value))
    if not missing:
        return uploaded_text, False
    return insert_before_end(uploaded_text, missing), True
