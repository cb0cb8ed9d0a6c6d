"""Interaction history (calls, meetings, ...) stored inside the contact's vCard.

Format: one ``X-CMS-INTERACTION`` property per interaction, all data in the value
as six ';'-separated, RFC 6350-escaped components::

    X-CMS-INTERACTION:i-<id>;call;20261120T100000Z;alice;20261201;Renewal\\, next step: quote

    id; kind (call|meeting|email|visit|note); UTC date-time (basic format); author;
    follow-up date (YYYYMMDD, may be empty); text

Why the value and not parameters: some clients drop parameters, and an unquoted
parameter value containing ':' is cut by parsers. ``X-`` properties are allowed in
vCard 3.0 and 4.0 alike.

Why the reader splits on escaped ';' too: vobject (and so Radicale) treats an unknown
property as one TEXT value and re-serializes our separators as ``\\;``. The first five
components can never contain ';' (validated here), so the reader takes the first five
';' (escaped or not) as separators and everything after them as the text.

Interactions are an append-only history: :func:`merge_preserving_interactions` puts
back the ones a client dropped; only :func:`remove_interaction` deletes one.

This module is the only one that knows the format (a test checks that no other
module names the property in code): the upload filter, the index, the linter,
``cms-dav notes`` and io (dedupe merge, table import/export, which carry values
as written) all go through it, so two doors can never read one entry as two.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone

from cms_dav.contacts.errors import CardFormatError, InteractionError
from cms_dav.contacts.vcard_lines import (
    ContentLine, card_lines, detect_eol, escape, fold, parse_line, unescape, unfold,
)

PROPERTY = "X-CMS-INTERACTION"
KINDS = ("call", "meeting", "email", "visit", "note")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_DT_FORMAT = "%Y%m%dT%H%M%SZ"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # \t and \n are fine in text
_SEPARATOR = re.compile(r"\\?;")


@dataclass(frozen=True)
class Interaction:
    """One entry of a contact's history; validated and normalized on creation."""

    id: str
    kind: str
    at: datetime
    author: str
    follow_up: date | None
    text: str

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _ID.match(self.id):
            raise InteractionError(f"invalid interaction id {self.id!r}: use letters, digits, "
                                   "'.', '_', '-'")
        if self.kind not in KINDS:
            raise InteractionError(f"invalid interaction kind {self.kind!r}: expected one of "
                                   f"{', '.join(KINDS)}")
        if (not isinstance(self.at, datetime) or self.at.tzinfo is None
                or self.at.utcoffset() is None):
            raise InteractionError("interaction time must be a timezone-aware datetime, "
                                   f"got {self.at!r}")
        if (isinstance(self.follow_up, datetime)
                or not isinstance(self.follow_up, (date, type(None)))):
            raise InteractionError(f"follow-up must be a date or None, got {self.follow_up!r}")
        if not isinstance(self.author, str) or not self.author.strip():
            raise InteractionError("interaction author must not be empty")
        if (";" in self.author or "\\" in self.author or _CONTROL.search(self.author)
                or "\n" in self.author):
            raise InteractionError(f"invalid interaction author {self.author!r}: no ';', '\\' "
                                   "or line breaks")
        if not isinstance(self.text, str):
            raise InteractionError("interaction text must be a string")
        text = self.text.replace("\r\n", "\n").replace("\r", "\n")
        if _CONTROL.search(text):
            raise InteractionError("interaction text contains control characters")
        at = self.at.astimezone(timezone.utc).replace(microsecond=0)
        if at.year < 1000:  # strftime("%Y") would not give the four digits the format needs
            raise InteractionError(f"interaction time {self.at!r} is before year 1000")
        object.__setattr__(self, "at", at)
        object.__setattr__(self, "text", text)


def new_interaction(kind: str, author: str, text: str, at: datetime | None = None,
                    follow_up: date | None = None) -> Interaction:
    """A fresh interaction with a random id; ``at`` defaults to now (UTC)."""
    return Interaction(id=f"i-{uuid.uuid4().hex}", kind=kind,
                       at=at or datetime.now(timezone.utc), author=author,
                       follow_up=follow_up, text=text)


def encode_value(interaction: Interaction) -> str:
    follow_up = interaction.follow_up.strftime("%Y%m%d") if interaction.follow_up else ""
    parts = [interaction.id, interaction.kind, interaction.at.strftime(_DT_FORMAT),
             interaction.author, follow_up, interaction.text]
    return ";".join(escape(part) for part in parts)


def encode_property(interaction: Interaction) -> str:
    """The unfolded content line (no line ending) for one interaction."""
    return f"{PROPERTY}:{encode_value(interaction)}"


def decode_value(value: str) -> Interaction:
    """Decode the (still escaped) value of one X-CMS-INTERACTION property."""
    parts = _SEPARATOR.split(value, maxsplit=5)
    if len(parts) != 6:
        raise InteractionError(f"{PROPERTY} value needs 6 ';'-separated parts, "
                               f"got {len(parts)}: {value[:60]!r}")
    raw_id, kind, raw_at, author, raw_follow_up, text = (unescape(p) for p in parts)
    try:
        at = datetime.strptime(raw_at.strip(), _DT_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        raise InteractionError(f"{PROPERTY} {raw_id!r}: bad date-time {raw_at!r}, "
                               "expected YYYYMMDDTHHMMSSZ") from None
    follow_up = None
    if raw_follow_up.strip():
        try:
            follow_up = datetime.strptime(raw_follow_up.strip(), "%Y%m%d").date()
        except ValueError:
            raise InteractionError(f"{PROPERTY} {raw_id!r}: bad follow-up date "
                                   f"{raw_follow_up!r}, expected YYYYMMDD") from None
    return Interaction(id=raw_id.strip(), kind=kind.strip().lower(), at=at, author=author,
                       follow_up=follow_up, text=text)


def interaction_id_of(value: str) -> str:
    """The id of an X-CMS-INTERACTION value, even if the rest of it is damaged."""
    return unescape(_SEPARATOR.split(value, maxsplit=1)[0]).strip()


def interaction_ids(lines: Iterable[ContentLine]) -> set[str]:
    """The ids of the interaction lines among ``lines`` (damaged ones included)."""
    return {interaction_id_of(line.value) for line in lines if line.name == PROPERTY}


def read_interactions(lines: Iterable[ContentLine]
                      ) -> tuple[list[Interaction], list[InteractionError]]:
    """The interactions among ``lines`` in card order, and why each damaged one is damaged.

    The one decoding loop: the timeline, the search index (last contacted) and the
    linter all read a card's history through it, so they agree on what is damaged.
    """
    found: list[Interaction] = []
    damaged: list[InteractionError] = []
    for line in lines:
        if line.name != PROPERTY:
            continue
        try:
            found.append(decode_value(line.value))
        except InteractionError as exc:
            damaged.append(exc)
    return found, damaged


def parse_interactions(vcard_text: str, *, strict: bool = True) -> list[Interaction]:
    """Interactions of a card in card order; ``strict=False`` skips damaged entries."""
    found, damaged = read_interactions(card_lines(vcard_text))
    if strict and damaged:
        raise damaged[0]
    return found


_END = re.compile(r"^END:VCARD[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)


def _insert_lines(vcard_text: str, logical_lines: list[str]) -> str:
    """Insert logical lines (folded, in the card's own line ending) before END:VCARD."""
    ends = list(_END.finditer(vcard_text))
    if not ends:
        raise CardFormatError("not a vCard: END:VCARD is missing")
    position = ends[-1].start()
    eol = detect_eol(vcard_text)
    new = "".join(piece + eol for line in logical_lines for piece in fold(line))
    return vcard_text[:position] + new + vcard_text[position:]


def add_interaction(vcard_text: str, interaction: Interaction) -> str:
    """The card with one more interaction line; the id must not be there already."""
    if interaction.id in interaction_ids(card_lines(vcard_text)):
        raise InteractionError(f"the card already has an interaction with id {interaction.id!r}")
    return _insert_lines(vcard_text, [encode_property(interaction)])


def remove_interaction(vcard_text: str, interaction_id: str) -> str:
    """The card without the interaction ``interaction_id``; other lines keep their bytes."""
    card_lines(vcard_text)  # validates the card as a whole
    physical = re.split(r"(?<=\n)", vcard_text)  # line endings stay attached, whatever they are
    kept: list[str] = []
    removed = False
    index = 0
    while index < len(physical):
        block = [physical[index]]
        while index + 1 < len(physical) and physical[index + 1][:1] in (" ", "\t"):
            index += 1
            block.append(physical[index])
        index += 1
        logical = "".join(unfold("".join(block)))
        if logical.strip() and not block[0][:1].isspace():
            line = parse_line(logical)
            if line.name == PROPERTY and interaction_id_of(line.value) == interaction_id:
                removed = True
                continue
        kept.extend(block)
    if not removed:
        raise InteractionError(f"the card has no interaction with id {interaction_id!r}")
    return "".join(kept)


def merge_preserving_interactions(stored_text: str | None, uploaded_text: str) -> tuple[str, bool]:
    """Put back the interactions a client dropped; returns (text to store, changed).

    Matching is by id. An interaction present in both is taken as the client sent it
    (the client's edit wins, as for any other property). Missing ones are appended
    before END:VCARD in stored order; every other byte of the upload is kept.
    """
    uploaded_ids = interaction_ids(card_lines(uploaded_text))
    if stored_text is None:
        return uploaded_text, False
    missing = []
    for raw in unfold(stored_text):
        try:
            line = parse_line(raw)
        except CardFormatError:
            continue
        if line.name != PROPERTY or interaction_id_of(line.value) in uploaded_ids:
            continue
        try:
            missing.append(encode_property(decode_value(line.value)))
        except InteractionError:  # damaged on the server already: keep it byte for byte
            missing.append(f"{PROPERTY}:{line.value}")
    if not missing:
        return uploaded_text, False
    return _insert_lines(uploaded_text, missing), True


def last_contacted(interactions: list[Interaction]) -> datetime | None:
    """Newest interaction time, the basis of "not contacted since"."""
    return max((i.at for i in interactions), default=None)
