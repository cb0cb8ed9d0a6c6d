"""Interaction history (calls, meetings, ...) stored inside the contact's vCard.

Format: one ``X-CMS-INTERACTION`` property per interaction, all data in the value
as six ';'-separated, RFC 6350-escaped components::

    X-CMS-INTERACTION:i-<id>;call;20261120T100000Z;alice;20261201;Renewal\\, next step: quote

    id; kind (call|meeting|email|visit|note); UTC date-time (basic format); author;
    follow-up date (YYYYMMDD, may be empty); text

A follow-up marked done carries the moment it was done after a '/' in the same
component, ISO 8601 interval style (``20261201/20261203T101500Z``), so the entry keeps
its six components: cards written before the mark existed read exactly as before, and
the mark travels with the line wherever the line goes (clients that keep unknown
properties, the merge below, dedupe, import/export). A follow-up is closed when it is
marked done (``cms-dav notes done``) or superseded by a later interaction (later ``at``)
on the same contact that sets a follow-up of its own: see :func:`follow_ups`.

Why the value and not parameters: some clients drop parameters, and an unquoted
parameter value containing ':' is cut by parsers. ``X-`` properties are allowed in
vCard 3.0 and 4.0 alike.

Why the reader splits on escaped ';' too: vobject (and so Radicale) treats an unknown
property as one TEXT value and re-serializes our separators as ``\\;``. The first five
components can never contain ';' (validated here), so the reader takes the first five
';' (escaped or not) as separators and everything after them as the text.

Interactions are an append-only history: :func:`merge_preserving_interactions` puts
back the ones a client dropped, and the done marks a client's stale copy lacks; only
:func:`remove_interaction` deletes one.

This module is the only one that knows the format (a test checks that no other
module names the property in code): the upload filter, the index, the linter,
``cms-dav notes`` and io (dedupe merge, table import/export, which carry values
as written) all go through it, so two doors can never read one entry as two.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
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
    done: datetime | None = None  # when the follow-up was marked done (UTC)

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
        if self.done is not None:
            if (not isinstance(self.done, datetime) or self.done.tzinfo is None
                    or self.done.utcoffset() is None):
                raise InteractionError("done time must be a timezone-aware datetime, "
                                       f"got {self.done!r}")
            if self.follow_up is None:
                raise InteractionError(f"interaction {self.id!r} has no follow-up to be done")
            done = self.done.astimezone(timezone.utc).replace(microsecond=0)
            if done.year < 1000:
                raise InteractionError(f"done time {self.done!r} is before year 1000")
            object.__setattr__(self, "done", done)
        object.__setattr__(self, "text", text)


def new_interaction(kind: str, author: str, text: str, at: datetime | None = None,
                    follow_up: date | None = None) -> Interaction:
    """A fresh interaction with a random id; ``at`` defaults to now (UTC)."""
    return Interaction(id=f"i-{uuid.uuid4().hex}", kind=kind,
                       at=at or datetime.now(timezone.utc), author=author,
                       follow_up=follow_up, text=text)


def _encode_follow_up(interaction: Interaction) -> str:
    if interaction.follow_up is None:
        return ""
    day = f"{interaction.follow_up.year:04d}{interaction.follow_up:%m%d}"
    return f"{day}/{interaction.done.strftime(_DT_FORMAT)}" if interaction.done else day


def encode_value(interaction: Interaction) -> str:
    follow_up = _encode_follow_up(interaction)
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
    follow_up, done = _decode_follow_up(raw_id, raw_follow_up)
    return Interaction(id=raw_id.strip(), kind=kind.strip().lower(), at=at, author=author,
                       follow_up=follow_up, text=text, done=done)


def _decode_follow_up(raw_id: str, raw: str) -> tuple[date | None, datetime | None]:
    """``YYYYMMDD``, ``YYYYMMDD/YYYYMMDDTHHMMSSZ`` (done) or empty."""
    if not raw.strip():
        return None, None
    raw_day, slash, raw_done = raw.strip().partition("/")
    try:
        follow_up = datetime.strptime(raw_day.strip(), "%Y%m%d").date()
    except ValueError:
        raise InteractionError(f"{PROPERTY} {raw_id!r}: bad follow-up date "
                               f"{raw!r}, expected YYYYMMDD or YYYYMMDD/YYYYMMDDTHHMMSSZ"
                               ) from None
    if not slash:
        return follow_up, None
    try:
        done = datetime.strptime(raw_done.strip(), _DT_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        raise InteractionError(f"{PROPERTY} {raw_id!r}: bad done time {raw_done!r} after "
                               "the follow-up date, expected YYYYMMDDTHHMMSSZ") from None
    return follow_up, done


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


#: (parsed line, its unfolded text) -> the new unfolded text (that text to keep it), or None
_Rewrite = Callable[[ContentLine, str], "str | None"]


def _rewrite_interactions(vcard_text: str, rewrite: _Rewrite) -> tuple[str, int]:
    """The card with each interaction line replaced by ``rewrite(line, logical)``: the
    same logical line keeps its bytes, ``None`` drops it, another string is folded in the
    card's line ending. Every other line keeps its bytes. Returns (text, lines changed).
    """
    physical = re.split(r"(?<=\n)", vcard_text)  # line endings stay attached, whatever they are
    eol = detect_eol(vcard_text)
    kept: list[str] = []
    changed = 0
    index = 0
    while index < len(physical):
        block = [physical[index]]
        while index + 1 < len(physical) and physical[index + 1][:1] in (" ", "\t"):
            index += 1
            block.append(physical[index])
        index += 1
        logical = "".join(unfold("".join(block)))
        if logical.strip() and not block[0][:1].isspace():
            try:
                line = parse_line(logical)
            except CardFormatError:
                line = None
            if line is not None and line.name == PROPERTY:
                new = rewrite(line, logical)
                if new is None:
                    changed += 1
                    continue
                if new != logical:
                    changed += 1
                    ending = block[-1][len(block[-1].rstrip("\r\n")):]
                    kept.append(eol.join(fold(new)) + ending)
                    continue
        kept.extend(block)
    return "".join(kept), changed


def remove_interaction(vcard_text: str, interaction_id: str) -> str:
    """The card without the interaction ``interaction_id``; other lines keep their bytes."""
    card_lines(vcard_text)  # validates the card as a whole
    text, removed = _rewrite_interactions(
        vcard_text, lambda line, logical: None
        if interaction_id_of(line.value) == interaction_id else logical)
    if not removed:
        raise InteractionError(f"the card has no interaction with id {interaction_id!r}")
    return text


def mark_done(vcard_text: str, interaction_id: str, at: datetime) -> tuple[str, Interaction]:
    """The card with follow-up ``interaction_id`` marked done at ``at``; other lines keep
    their bytes. Raises InteractionError if there is no such entry, it has no follow-up
    or it is done already."""
    lines = card_lines(vcard_text)
    matching = [line for line in lines
                if line.name == PROPERTY and interaction_id_of(line.value) == interaction_id]
    if not matching:
        raise InteractionError(f"the card has no interaction with id {interaction_id!r}")
    current = decode_value(matching[0].value)
    if current.follow_up is None:
        raise InteractionError(f"interaction {interaction_id!r} has no follow-up date")
    if current.done is not None:
        raise InteractionError(f"the follow-up of {interaction_id!r} is done already "
                               f"({current.done.strftime('%Y-%m-%dT%H:%M:%SZ')})")
    done = replace(current, done=at)
    text, _ = _rewrite_interactions(
        vcard_text, lambda line, logical: encode_property(done)
        if interaction_id_of(line.value) == interaction_id else logical)
    return text, done


def mark_open(vcard_text: str, interaction_id: str) -> tuple[str, Interaction]:
    """The card with the done mark of ``interaction_id`` taken away (a mistaken
    ``notes done``); raises InteractionError if there is no such mark."""
    lines = card_lines(vcard_text)
    matching = [line for line in lines
                if line.name == PROPERTY and interaction_id_of(line.value) == interaction_id]
    if not matching:
        raise InteractionError(f"the card has no interaction with id {interaction_id!r}")
    current = decode_value(matching[0].value)
    if current.done is None:
        raise InteractionError(f"the follow-up of {interaction_id!r} is not done")
    reopened = replace(current, done=None)
    text, _ = _rewrite_interactions(
        vcard_text, lambda line, logical: encode_property(reopened)
        if interaction_id_of(line.value) == interaction_id else logical)
    return text, reopened


def merge_preserving_interactions(stored_text: str | None, uploaded_text: str) -> tuple[str, bool]:
    """Put back the interactions a client dropped; returns (text to store, changed).

    Matching is by id. An interaction present in both is taken as the client sent it
    (the client's edit wins, as for any other property), except that a done mark is
    never taken away by an upload: a client writing back a copy from before the mark
    gets it put back. Missing ones are appended before END:VCARD in stored order;
    every other byte of the upload is kept.
    """
    uploaded_ids = interaction_ids(card_lines(uploaded_text))
    if stored_text is None:
        return uploaded_text, False
    missing = []
    done: dict[str, datetime] = {}
    for raw in unfold(stored_text):
        try:
            line = parse_line(raw)
        except CardFormatError:
            continue
        if line.name != PROPERTY:
            continue
        try:
            stored = decode_value(line.value)
        except InteractionError:  # damaged on the server already: keep it byte for byte
            if interaction_id_of(line.value) not in uploaded_ids:
                missing.append(f"{PROPERTY}:{line.value}")
            continue
        if stored.id not in uploaded_ids:
            missing.append(encode_property(stored))
        elif stored.done is not None:
            done[stored.id] = stored.done
    merged, changed = uploaded_text, 0
    if done:
        merged, changed = _rewrite_interactions(uploaded_text, _keep_done_marks(done))
    if missing:
        merged = _insert_lines(merged, missing)
    return merged, bool(missing or changed)


def _keep_done_marks(done: dict[str, datetime]) -> _Rewrite:
    def rewrite(line: ContentLine, logical: str) -> str | None:
        try:
            uploaded = decode_value(line.value)
        except InteractionError:
            return logical
        if uploaded.id not in done or uploaded.done is not None or uploaded.follow_up is None:
            return logical
        return encode_property(replace(uploaded, done=done[uploaded.id]))
    return rewrite


@dataclass(frozen=True)
class FollowUp:
    """An interaction's follow-up and whether it is still open.

    ``closed`` is when it was closed: the done mark, else the time of the first later
    interaction on the contact that set a follow-up of its own (``superseded_by``).
    """

    interaction: Interaction
    closed: datetime | None
    superseded_by: str | None = None

    @property
    def is_open(self) -> bool:
        return self.closed is None


def follow_ups(interactions: Iterable[Interaction]) -> list[FollowUp]:
    """The follow-ups among a contact's interactions, oldest first, each open or closed.

    Closed: marked done (``cms-dav notes done``), or superseded by a later interaction
    (a later ``at``) that sets its own follow-up: the newer date replaces the older
    one. A later interaction without a follow-up date closes nothing: logging an
    e-mail does not mean the promised call happened.
    """
    with_date = sorted((i for i in interactions if i.follow_up is not None),
                       key=lambda i: (i.at, i.id))
    found = []
    later_index = 0
    for interaction in with_date:  # sorted: the first later one is never behind us
        while later_index < len(with_date) and with_date[later_index].at <= interaction.at:
            later_index += 1
        later = with_date[later_index] if later_index < len(with_date) else None
        if interaction.done is not None:
            found.append(FollowUp(interaction, interaction.done))
        elif later is not None:
            found.append(FollowUp(interaction, later.at, superseded_by=later.id))
        else:
            found.append(FollowUp(interaction, None))
    return found


def last_contacted(interactions: list[Interaction]) -> datetime | None:
    """Newest interaction time, the basis of "not contacted since"."""
    return max((i.at for i in interactions), default=None)
