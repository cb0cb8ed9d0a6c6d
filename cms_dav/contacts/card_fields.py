"""The searchable, listable facts of one vCard, read once per write.

The store calls :func:`extract_fields` inside its write transaction and feeds the
result to :mod:`search_terms` and :mod:`groups`; nothing here touches a database.
"""

from __future__ import annotations

import quopri
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime

from cms_dav.contacts.errors import CardFormatError
from cms_dav.contacts.interactions import PROPERTY as INTERACTION_PROPERTY
from cms_dav.contacts.interactions import Interaction, last_contacted, read_interactions
from cms_dav.contacts.vcard_lines import (CardParses, ContentLine, card_lines, structured,
                                          text_list, unescape)

GROUP_KIND_PROPERTIES = ("KIND", "X-ADDRESSBOOKSERVER-KIND")
MEMBER_PROPERTIES = ("MEMBER", "X-ADDRESSBOOKSERVER-MEMBER")


@dataclass(frozen=True)
class CardFields:
    """What the contact manager needs to know about a card (values unescaped)."""

    uid: str
    version: str
    kind: str  # "individual", "group", or another vCard 4 KIND in lower case
    fn: str
    n: tuple[str, ...] = ()  # family, given, additional, prefixes, suffixes
    nicknames: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)  # each ORG with its units joined by ", "
    titles: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)  # as written; see normalize.phone_keys
    categories: list[str] = field(default_factory=list)
    #: member UIDs of a group card (urn:uuid: removed)
    members: list[str] = field(default_factory=list)
    cities: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    bday: str | None = None  # as written: vCard 4 allows "--1231" without a year
    interactions: list[Interaction] = field(default_factory=list)
    damaged_interactions: int = 0  # X-CMS-INTERACTION lines that could not be decoded

    @property
    def is_group(self) -> bool:
        return self.kind == "group"

    @property
    def last_contacted(self) -> datetime | None:
        return last_contacted(self.interactions)

    @property
    def display_name(self) -> str:
        """FN, else a name built from N, ORG or the first e-mail: never empty for a listing."""
        if self.fn:
            return self.fn
        built = " ".join(p for p in (self.n[3:4] + self.n[1:3] + self.n[0:1] + self.n[4:5]) if p)
        return (built or (self.orgs[0] if self.orgs else "")
                or (self.emails[0] if self.emails else "") or self.uid)


def _text(line: ContentLine) -> str:
    """Unescaped value; decodes vCard 2.1 QUOTED-PRINTABLE so old exports index too."""
    if [e.upper() for e in line.param("ENCODING")] == ["QUOTED-PRINTABLE"]:
        charset = (line.param("CHARSET") or ["utf-8"])[0]
        try:
            raw = quopri.decodestring(line.value.encode("ascii", "replace"))
            return raw.decode(charset, "replace")
        except LookupError:
            raise CardFormatError(f"unknown CHARSET {charset!r} on {line.name}") from None
    return unescape(line.value)


def member_uid(reference: str) -> str:
    """UID named by a group member reference: ``urn:uuid:X`` -> X; other URIs unchanged."""
    value = reference.strip()
    return value[len("urn:uuid:"):] if value.lower().startswith("urn:uuid:") else value


def extract_fields(vcard_text: str, default_region: str = "",
                   parses: CardParses | None = None) -> CardFields:
    """Read a card; raises CardFormatError (a ValueError) naming what is broken.

    ``default_region`` is accepted for symmetry with the index functions; raw phones
    are kept as written so the region can be applied (or changed) at index time.
    ``parses``: the write's parses, which read each of its texts once for the linter
    and the indexer (:class:`~.vcard_lines.CardParses`).
    """
    if parses is None:
        return _fields_of(vcard_text)
    if parses.card(vcard_text) and vcard_text == parses.first:  # the upload: the cache's
        return parses.derived("fields", vcard_text, lambda: _fields_of(vcard_text))
    return parses.derived("fields", vcard_text, lambda: _fields_from(vcard_text, parses))


@lru_cache(maxsize=32)
def _fields_of(vcard_text: str) -> CardFields:
    """Cached for callers outside a write: a command reads a card in several steps."""
    return _fields_from(vcard_text, None)


def _fields_from(vcard_text: str, parses: CardParses | None) -> CardFields:
    lines = card_lines(vcard_text, parses)
    by_name: dict[str, list[ContentLine]] = {}
    for line in lines:
        by_name.setdefault(line.name, []).append(line)

    def first(name: str) -> str:
        values = by_name.get(name, [])
        return _text(values[0]).strip() if values else ""

    def each(name: str) -> list[str]:
        return [v for v in (_text(line).strip() for line in by_name.get(name, [])) if v]

    kind = next((first(p).lower() for p in GROUP_KIND_PROPERTIES if first(p)), "individual")
    n = tuple(c.strip() for c in structured(by_name["N"][0].value)) if "N" in by_name else ()
    orgs = [", ".join(c.strip() for c in structured(line.value) if c.strip())
            for line in by_name.get("ORG", [])]
    cities, countries = [], []
    for line in by_name.get("ADR", []):
        parts = [c.strip() for c in structured(line.value)] + [""] * 7
        cities += [parts[3]] if parts[3] else []
        countries += [parts[6]] if parts[6] else []
    interactions, damaged = read_interactions(by_name.get(INTERACTION_PROPERTY, []), parses)
    return CardFields(
        uid=first("UID"),
        version=first("VERSION"),
        kind=kind,
        fn=first("FN"),
        n=n,
        nicknames=[nick for line in by_name.get("NICKNAME", []) for nick in text_list(line.value)],
        orgs=[o for o in orgs if o],
        titles=each("TITLE"),
        emails=each("EMAIL"),
        phones=each("TEL"),
        categories=[c for line in by_name.get("CATEGORIES", []) for c in text_list(line.value)],
        members=[member_uid(m) for p in MEMBER_PROPERTIES for m in each(p)],
        cities=cities,
        countries=countries,
        notes=each("NOTE"),
        bday=first("BDAY") or None,
        interactions=interactions,
        damaged_interactions=len(damaged),
    )
