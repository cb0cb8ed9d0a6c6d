"""A contact as a flat record, the shape CSV/xlsx rows and exports share.

Records are the lingua franca between tables and vCards; vCard text remains
the stored form, so anything a record cannot hold (photos, custom X- lines)
only survives imports that go vCard to vCard.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cms_dav.contacts import custom_fields
from cms_dav.contacts.interactions import PROPERTY as INTERACTION_PROPERTY
from cms_dav.contacts.vcard_lines import (
    CardParses, ContentLine, escape, parse_line, render, structured, text_list, unescape,
    unfold_numbered as unfold,
)
from cms_dav.io.content_uid import content_urn
from cms_dav.io.vcard21 import join_qp_soft_breaks, upgrade_line



@dataclass(frozen=True)
class Address:
    """The ADR components people actually fill in (no PO box / extended)."""

    street: str = ""
    locality: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""

    def is_empty(self) -> bool:
        return not any((self.street, self.locality, self.region, self.postal_code, self.country))


@dataclass
class ContactRecord:
    """One contact; typed values are (type, value) with type like "work" or ""."""

    fn: str = ""
    given: str = ""
    family: str = ""
    uid: str | None = None
    org: str = ""
    title: str = ""
    emails: list[tuple[str, str]] = field(default_factory=list)
    phones: list[tuple[str, str]] = field(default_factory=list)
    addresses: list[tuple[str, Address]] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    note: str = ""
    bday: str = ""
    url: str = ""
    interactions: list[str] = field(default_factory=list)
    #: custom field key -> canonical value (cms_dav.contacts.custom_fields); not in the
    #: repr, so the content-derived UID does not change when only a field value does
    #: (re-importing a row with a new value updates that contact)
    fields: dict[str, str] = field(default_factory=dict, repr=False)

    def display_name(self) -> str:
        """FN, else given+family, else org, else first e-mail/phone: what a list shows."""
        joined = " ".join(p for p in (self.given, self.family) if p)
        for candidate in (self.fn, joined, self.org):
            if candidate.strip():
                return candidate.strip()
        for _, value in self.emails + self.phones:
            return value
        return ""


def stable_uid(record: ContactRecord) -> str:
    """UID derived from content so importing the same row twice yields one contact."""
    return content_urn(repr(record))


def _typed(name: str, kind: str, value: str) -> ContentLine:
    params = [("TYPE", kind.lower())] if kind else []
    return ContentLine(name=name, value=value, params=params)


def record_to_vcard(record: ContactRecord) -> str:
    """vCard 3.0 text (CRLF, folded, escaped); UID derived from content if missing."""
    uid = record.uid or stable_uid(record)
    lines = [
        ContentLine("BEGIN", "VCARD"), ContentLine("VERSION", "3.0"),
        ContentLine("UID", uid),
        ContentLine("FN", escape(record.display_name())),
        ContentLine("N", f"{escape(record.family)};{escape(record.given)};;;"),
    ]
    if record.org:
        lines.append(ContentLine("ORG", escape(record.org)))
    if record.title:
        lines.append(ContentLine("TITLE", escape(record.title)))
    lines += [_typed("EMAIL", kind, value) for kind, value in record.emails]
    lines += [_typed("TEL", kind, value) for kind, value in record.phones]
    for kind, adr in record.addresses:
        parts = ("", "", adr.street, adr.locality, adr.region, adr.postal_code, adr.country)
        lines.append(_typed("ADR", kind, ";".join(escape(p) for p in parts)))
    if record.categories:
        lines.append(ContentLine("CATEGORIES", ",".join(escape(c) for c in record.categories)))
    for name, value in (("NOTE", record.note), ("BDAY", record.bday), ("URL", record.url)):
        if value:
            lines.append(ContentLine(name, escape(value) if name == "NOTE" else value))
    lines += [ContentLine(INTERACTION_PROPERTY, raw) for raw in record.interactions]
    lines += [parse_line(custom_fields.encode_property(key, value))
              for key, value in record.fields.items() if value]
    lines.append(ContentLine("END", "VCARD"))
    return render(lines)


def parse_card_lines(text: str, parses: CardParses | None = None) -> list[ContentLine]:
    """Parsed lines of one card, 2.1 upgraded to 3.0 conventions. ``parses``: each
    logical line parsed through it (:meth:`CardParses.line`, kept there for the write's
    steps that read the same text next: an import's worker, issue 19 target 5)."""
    logical = join_qp_soft_breaks(unfold(text))
    parse = parse_line if parses is None else parses.line
    lines = [parse(line) for _, line in logical]
    version = next((ln.value.strip() for ln in lines if ln.name == "VERSION"), "3.0")
    if version == "2.1":
        lines = [upgrade_line(ln) for ln in lines]
    return lines


def _type_of(line: ContentLine) -> str:
    kinds = [t for t in line.types() if t not in ("internet", "pref", "voice", "x400")]
    return ",".join(kinds)


def vcard_to_record(text: str, parses: CardParses | None = None) -> ContactRecord:
    """Read the fields a record holds from one vCard (2.1, 3.0 or 4.0); ``parses``: as
    :func:`parse_card_lines` (the record is the same)."""
    record = ContactRecord()
    field_lines: list[ContentLine] = []
    for line in parse_card_lines(text, parses):
        name, value = line.name, line.value
        if name == "UID":
            record.uid = value.strip() or None
        elif name == "FN":
            record.fn = unescape(value).strip()
        elif name == "N":
            parts = structured(value) + ["", ""]
            record.family, record.given = parts[0].strip(), parts[1].strip()
        elif name == "ORG":
            record.org = " ".join(p for p in structured(value) if p).strip()
        elif name == "TITLE":
            record.title = unescape(value).strip()
        elif name == "EMAIL":
            record.emails.append((_type_of(line), value.strip()))
        elif name == "TEL":
            number = value.strip()
            number = number[4:] if number.lower().startswith("tel:") else number
            record.phones.append((_type_of(line), number))
        elif name == "ADR":
            parts = (structured(value) + [""] * 7)[:7]
            adr = Address(*(p.strip() for p in parts[2:]))
            if not adr.is_empty():
                record.addresses.append((_type_of(line), adr))
        elif name == "CATEGORIES":
            record.categories += [c for c in text_list(value) if c not in record.categories]
        elif name == "NOTE":
            record.note = "\n\n".join(p for p in (record.note, unescape(value)) if p)
        elif name == "BDAY":
            record.bday = value.strip()
        elif name == "URL":
            record.url = record.url or value.strip()
        elif name == INTERACTION_PROPERTY:
            record.interactions.append(value)
        elif name == custom_fields.PROPERTY:
            field_lines.append(line)
    record.fields = {k: v for k, v in custom_fields.read_fields(field_lines).items() if v}
    return record
