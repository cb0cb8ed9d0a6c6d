"""A contact as JSON and back (issue 15 item 1): the JSON API's stable shape of a vCard.

Reading (:func:`contact_view`) picks the parts the API models: names (FN, N),
nicknames, organisation (ORG), title, phones (TEL, with E.164 where
``phonenumbers`` can tell), e-mails, addresses (ADR), categories, birthday (BDAY),
custom fields (``X-CMS-FIELD``) and the interaction timeline.

Writing (:func:`apply_changes`) edits only the parts a request names, line by line
(:mod:`cms_dav.contacts.vcard_lines`): a part whose value is unchanged keeps its
bytes, an entry equal to a stored one keeps the stored line (its group label, PREF,
vendor parameters), and every property the JSON does not model (PHOTO, X-ABLabel,
X-CMS-INTERACTION, ...) is never touched: lossless storage (issue 12) holds for the
API as for CardDAV. Nothing here reads a database or HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from cms_dav.contacts.card_fields import extract_fields
from cms_dav.contacts.custom_fields import card_field_values, set_fields
from cms_dav.contacts.interactions import Interaction, parse_interactions
from cms_dav.contacts.normalize import phone_keys
from cms_dav.contacts.vcard_lines import (ContentLine, card_lines, escape, insert_before_end,
                                          lenient_lines, rewrite_lines, structured, text_list,
                                          unescape)

N_PARTS = ("family", "given", "additional", "prefixes", "suffixes")
ADR_PARTS = ("po_box", "extended", "street", "locality", "region", "postal_code", "country")
#: the parts of a contact a request may change, in the order they are applied
PARTS = ("name", "nicknames", "organisation", "title", "phones", "emails", "addresses",
         "categories", "birthday", "fields")
PRODID = "-//cms_dav//JSON API//EN"

Entry = Any


def e164(raw: str, default_region: str = "") -> str | None:
    """The E.164 form of a phone number (``+48600100200``), None when it cannot be told."""
    return next((key for key in sorted(phone_keys(raw, default_region))
                 if key.startswith("+")), None)


def _types(line: ContentLine) -> list[str]:
    return line.types()


def _type_params(types: list[str]) -> str:
    return f";TYPE={','.join(types)}" if types else ""


def _phone(line: ContentLine) -> Entry:
    return {"value": unescape(line.value).strip(), "types": _types(line)}


def _email(line: ContentLine) -> Entry:
    return {"value": unescape(line.value).strip(), "types": _types(line)}


def _address(line: ContentLine) -> Entry:
    parts = [c.strip() for c in structured(line.value)] + [""] * len(ADR_PARTS)
    return {"types": _types(line), **dict(zip(ADR_PARTS, parts, strict=False))}


def _name(line: ContentLine) -> Entry:
    parts = [c.strip() for c in structured(line.value)] + [""] * len(N_PARTS)
    return dict(zip(N_PARTS, parts, strict=False))


def _organisation(line: ContentLine) -> Entry:
    parts = [c.strip() for c in structured(line.value)]
    return {"name": parts[0] if parts else "", "units": [p for p in parts[1:] if p]}


def _text(line: ContentLine) -> Entry:
    return unescape(line.value).strip()


@dataclass(frozen=True)
class _Property:
    """How one vCard property maps to JSON entries and back."""

    name: str
    entry: Callable[[ContentLine], Entry]
    line: Callable[[Entry], str]
    #: a text list in one line (CATEGORIES, NICKNAME): the entries are its items
    joined: bool = False


_PROPERTIES = {
    "FN": _Property("FN", _text, lambda v: f"FN:{escape(v)}"),
    "N": _Property("N", _name, lambda v: "N:" + ";".join(escape(v[p]) for p in N_PARTS)),
    "NICKNAME": _Property("NICKNAME", _text, lambda v: f"NICKNAME:{v}", joined=True),
    "ORG": _Property("ORG", _organisation, lambda v: "ORG:" + ";".join(
        escape(p) for p in [v["name"], *v["units"]])),
    "TITLE": _Property("TITLE", _text, lambda v: f"TITLE:{escape(v)}"),
    "TEL": _Property("TEL", _phone, lambda v: f"TEL{_type_params(v['types'])}:{v['value']}"),
    "EMAIL": _Property("EMAIL", _email,
                       lambda v: f"EMAIL{_type_params(v['types'])}:{escape(v['value'])}"),
    "ADR": _Property("ADR", _address, lambda v: f"ADR{_type_params(v['types'])}:" + ";".join(
        escape(v[p]) for p in ADR_PARTS)),
    "CATEGORIES": _Property("CATEGORIES", _text, lambda v: f"CATEGORIES:{v}", joined=True),
    "BDAY": _Property("BDAY", _text, lambda v: f"BDAY:{v}"),
}


def _entries(prop: _Property, lines: list[ContentLine]) -> list[Entry]:
    found = [line for line in lines if line.name == prop.name]
    if prop.joined:
        return [item for line in found for item in text_list(line.value)]
    return [prop.entry(line) for line in found]


def _first(values: list[Entry]) -> Entry | None:
    return values[0] if values else None


def interaction_json(entry: Interaction) -> dict[str, Any]:
    return {"id": entry.id, "kind": entry.kind, "author": entry.author, "text": entry.text,
            "at": entry.when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "recorded_at": entry.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "follow_up": entry.follow_up.isoformat() if entry.follow_up else None,
            "done_at": entry.done.strftime("%Y-%m-%dT%H:%M:%SZ") if entry.done else None}


def interactions_view(text: str) -> list[dict[str, Any]]:
    """The contact's timeline as JSON, newest first (damaged entries are skipped)."""
    entries = sorted(parse_interactions(text, strict=False), key=lambda n: (n.when, n.id),
                     reverse=True)
    return [interaction_json(entry) for entry in entries]


def contact_view(text: str, default_region: str = "") -> dict[str, Any]:
    """The modeled parts of a stored card; never fails on a damaged line (skipped)."""
    lines = lenient_lines(text)
    fields = extract_fields(text) if _is_card(text) else None
    name = _first(_entries(_PROPERTIES["N"], lines)) or dict.fromkeys(N_PARTS, "")
    phones = [{**phone, "e164": e164(phone["value"], default_region)}
              for phone in _entries(_PROPERTIES["TEL"], lines)]
    return {
        "uid": fields.uid if fields else "",
        "kind": fields.kind if fields else "individual",
        "name": {"formatted": (fields.display_name if fields else ""), **name},
        "nicknames": _entries(_PROPERTIES["NICKNAME"], lines),
        "organisation": _first(_entries(_PROPERTIES["ORG"], lines)),
        "title": _first(_entries(_PROPERTIES["TITLE"], lines)),
        "phones": phones,
        "emails": _entries(_PROPERTIES["EMAIL"], lines),
        "addresses": _entries(_PROPERTIES["ADR"], lines),
        "categories": _entries(_PROPERTIES["CATEGORIES"], lines),
        "birthday": _first(_entries(_PROPERTIES["BDAY"], lines)),
        "fields": card_field_values(text),
        "interactions": interactions_view(text),
    }


def _is_card(text: str) -> bool:
    try:
        card_lines(text)
    except ValueError:
        return False
    return True


def _replace(text: str, prop: _Property, wanted: list[Entry]) -> str:
    """``text`` with exactly ``wanted`` as the entries of ``prop``: unchanged when they
    already are, else its lines removed and the new ones put before END:VCARD, reusing
    the stored line of an equal entry (its bytes, group and parameters)."""
    if _entries(prop, card_lines(text)) == wanted:
        return text
    taken: list[tuple[ContentLine, str]] = []

    def take(line: ContentLine, logical: str) -> None:
        taken.append((line, logical))

    stripped, _ = rewrite_lines(text, prop.name, lambda line, logical: take(line, logical))
    if prop.joined:
        new = [prop.line(",".join(escape(item) for item in wanted))] if wanted else []
    else:
        new = []
        for entry in wanted:
            match = next((i for i, (line, _) in enumerate(taken) if prop.entry(line) == entry),
                         None)
            new.append(taken.pop(match)[1] if match is not None else prop.line(entry))
    return insert_before_end(stripped, new) if new else stripped


def _optional(value: Entry | None) -> list[Entry]:
    return [value] if value not in (None, "") else []


def _formatted(name: Mapping[str, Any]) -> str:
    """FN from the given name parts when the caller gave no formatted name."""
    order = ("prefixes", "given", "additional", "family", "suffixes")
    return " ".join(str(name.get(p) or "") for p in order if name.get(p)).strip()


def apply_changes(text: str, changes: Mapping[str, Any]) -> str:
    """``text`` with each part in ``changes`` (keys of :data:`PARTS`) replaced; the other
    parts and every unmodeled line keep their bytes. ``changes`` holds plain JSON values
    already validated by the caller's schema; ``fields`` values must be canonical
    (:meth:`cms_dav.contacts.field_defs.FieldDef.normalize`). Raises CardFormatError."""
    card_lines(text)  # the card as a whole must read
    for part in PARTS:
        if part not in changes:
            continue
        value = changes[part]
        if part == "name":
            parts = {p: str(value.get(p) or "") for p in N_PARTS}
            formatted = str(value.get("formatted") or "") or _formatted(value)
            text = _replace(text, _PROPERTIES["FN"], _optional(formatted))
            text = _replace(text, _PROPERTIES["N"], [parts])
        elif part == "fields":
            text = set_fields(text, value)
        else:
            prop = _PROPERTIES[_PART_PROPERTY[part]]
            many = prop.joined or part in ("phones", "emails", "addresses")
            text = _replace(text, prop, list(value) if many else _optional(value))
    return text


_PART_PROPERTY = {"nicknames": "NICKNAME", "organisation": "ORG", "title": "TITLE",
                  "phones": "TEL", "emails": "EMAIL", "addresses": "ADR",
                  "categories": "CATEGORIES", "birthday": "BDAY"}


def new_card(uid: str, changes: Mapping[str, Any]) -> str:
    """A new vCard 3.0 (what iOS and macOS write) with ``changes`` applied."""
    skeleton = ("BEGIN:VCARD\r\nVERSION:3.0\r\n"
                f"PRODID:{PRODID}\r\nUID:{escape(uid)}\r\nEND:VCARD\r\n")
    text = apply_changes(skeleton, {"name": {}, **changes})
    return text
