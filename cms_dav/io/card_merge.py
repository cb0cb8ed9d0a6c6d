"""Merge duplicate vCards into the winner without losing anything people typed.

Phones, e-mails, addresses and categories are united (compared normalized),
every X-CMS-INTERACTION is kept once (identified by its id, read by
:func:`cms_dav.contacts.interactions.interaction_id_of`, the one reader of that
format), a custom field the winner has no value for is taken from a loser
(:mod:`cms_dav.contacts.custom_fields`), notes are appended, and the winner's FN, N
and UID stay so clients see the winner updated and the losers deleted.

Grouped properties (RFC 6350 §3.3: ``item1.X-ABDATE`` with ``item1.X-ABLabel``, Apple's
labelled dates, phones, related names...) move as one unit under a group name the
winner does not use, so a label stays with its value; a group whose phone, e-mail or
address the winner has already, or that the winner holds identically, is left out.
"""

from __future__ import annotations

from cms_dav.contacts import custom_fields
from cms_dav.contacts.interactions import PROPERTY as INTERACTION_PROPERTY
from cms_dav.contacts.interactions import interaction_id_of
from cms_dav.contacts.normalize import email_key, fold, phone_keys
from cms_dav.contacts.vcard_lines import (ContentLine, escape, render, structured, text_list,
                                          unescape)
from cms_dav.io.contact_record import parse_card_lines

_WINNER_ONLY = {"BEGIN", "END", "VERSION", "FN", "N", "UID", "REV", "PRODID"}
_FILL_IF_MISSING = {"ORG", "TITLE", "ROLE", "BDAY", "URL", "NICKNAME", "PHOTO", "ANNIVERSARY",
                    "GENDER"}


def merge_vcards(winner_text: str, loser_texts: list[str], default_region: str = "") -> str:
    """The winner's card enriched with everything the losers knew."""
    lines = [ln for ln in parse_card_lines(winner_text) if ln.name not in ("BEGIN", "END")]
    for ln in lines:
        if ln.name == "VERSION" and ln.value.strip() == "2.1":
            ln.value = "3.0"
    for text in loser_texts:
        groups: dict[str, list[ContentLine]] = {}
        for line in parse_card_lines(text):
            if line.group and line.name not in _WINNER_ONLY:
                groups.setdefault(line.group.lower(), []).append(line)
            else:
                _absorb(lines, line, default_region)
        for members in groups.values():
            _absorb_group(lines, members, default_region)
    return render([ContentLine("BEGIN", "VCARD"), *lines, ContentLine("END", "VCARD")])


def _keys(line: ContentLine, region: str) -> set[str]:
    if line.name == "EMAIL":
        return {email_key(line.value)}
    if line.name == "TEL":
        return phone_keys(line.value, region) or {line.value.strip()}
    if line.name == "ADR":
        return {"|".join(fold(p) for p in structured(line.value))}
    if line.name == INTERACTION_PROPERTY:
        return {interaction_id_of(line.value)}
    return set()


def _absorb(lines: list[ContentLine], line: ContentLine, region: str) -> None:
    name = line.name
    if name in _WINNER_ONLY:
        return
    copy = ContentLine(name, line.value, list(line.params))  # groups would collide
    if name in ("EMAIL", "TEL", "ADR", INTERACTION_PROPERTY):
        known = set().union(*(_keys(ln, region) for ln in lines if ln.name == name))
        if not _keys(line, region) & known:
            lines.append(copy)
    elif name == "CATEGORIES":
        _union_categories(lines, text_list(line.value))
    elif name == "NOTE":
        _append_note(lines, unescape(line.value))
    elif name == custom_fields.PROPERTY:
        key, value = custom_fields.decode_value(line.value)
        if value and not custom_fields.read_fields(lines).get(key):
            lines[:] = [ln for ln in lines if not (
                ln.name == name and custom_fields.decode_value(ln.value)[0] == key)]
            lines.append(copy)
    elif name in _FILL_IF_MISSING and not any(ln.name == name for ln in lines):
        lines.append(copy)


def _absorb_group(lines: list[ContentLine], members: list[ContentLine], region: str) -> None:
    """Add one loser's group (see the module docstring) under a fresh group name."""
    for member in members:
        if member.name in ("EMAIL", "TEL", "ADR"):
            known = set().union(*(_keys(ln, region) for ln in lines if ln.name == member.name))
            if _keys(member, region) & known:
                return
    shape = sorted((m.name, m.value) for m in members)
    for group in {ln.group.lower() for ln in lines if ln.group}:
        if sorted((ln.name, ln.value) for ln in lines if ln.group.lower() == group) == shape:
            return
    fresh = _fresh_group(lines)
    lines.extend(ContentLine(m.name, m.value, list(m.params), group=fresh) for m in members)


def _fresh_group(lines: list[ContentLine]) -> str:
    used = {ln.group.lower() for ln in lines if ln.group}
    number = 1
    while f"item{number}" in used:
        number += 1
    return f"item{number}"


def _union_categories(lines: list[ContentLine], extra: list[str]) -> None:
    target = next((ln for ln in lines if ln.name == "CATEGORIES"), None)
    if target is None:
        target = ContentLine("CATEGORIES", "")
        lines.append(target)
    current = text_list(target.value)
    folded = {fold(c) for c in current}
    current += [c for c in extra if fold(c) not in folded]
    target.value = ",".join(escape(c) for c in dict.fromkeys(current))


def _append_note(lines: list[ContentLine], note: str) -> None:
    target = next((ln for ln in lines if ln.name == "NOTE"), None)
    if target is None:
        lines.append(ContentLine("NOTE", escape(note)))
        return
    existing = unescape(target.value)
    if note.strip() and note.strip() not in existing:
        target.value = escape(existing + "\n\n" + note)
