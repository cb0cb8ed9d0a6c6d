"""Interaction history (calls, meetings, ...) stored inside the contact's vCard.

Format: one ``X-CMS-INTERACTION`` property per interaction, all data in the value
as six ';'-separated, RFC 6350-escaped components::

    X-CMS-INTERACTION:i-<id>;call;20261120T100000Z;alice;20261201;Renewal\\, next step: quote

    id; kind (call|meeting|email|visit|note); UTC date-time (basic format); author;
    follow-up date (YYYYMMDD, may be empty); text

The date-time and the author are the server's: when the entry was recorded and who
was logged in (:func:`review_upload`; issue 14 item 5). When the writer claimed another
time (a client's own date-time, ``notes add --at``) it is kept after the server's, marked
as claimed, in the same component, never later than the server's time::

    X-CMS-INTERACTION:i-<id>;call;20261201T135000Z/claimed=20261120T100000Z;alice;;...

Cards written before the claim existed read as before (no ``/claimed=``).

A follow-up marked done carries the moment it was done after a '/' in the same
component, ISO 8601 interval style (``20261201/20261203T101500Z``), so the entry keeps
its six components: cards written before the mark existed read exactly as before, and
the mark travels with the line wherever the line goes (clients that keep unknown
properties, the merge below, dedupe, import/export). A follow-up is closed when it is
marked done (``cms-dav notes done``) or superseded by a later interaction (later ``when``)
on the same contact that sets a follow-up of its own: see :func:`follow_ups` (times
there are when it happened: the claimed time, else the recorded one).

Why the value and not parameters: some clients drop parameters, and an unquoted
parameter value containing ':' is cut by parsers. ``X-`` properties are allowed in
vCard 3.0 and 4.0 alike.

Why the reader splits on escaped ';' too: vobject (and so Radicale) treats an unknown
property as one TEXT value and re-serializes our separators as ``\\;``. The first five
components can never contain ';' (validated here), so the reader takes the first five
';' (escaped or not) as separators and everything after them as the text.

Interactions are an append-only history: :func:`review_upload` puts back the ones a
client dropped, keeps stored entries as stored (done marks included) and records new
ones under the uploader at the server's time; only :func:`remove_interaction` deletes one.

This module is the only one that knows the format (a test checks that no other
module names the property in code): the upload filter, the index, the linter,
``cms-dav notes`` and io (dedupe merge, table import/export, which carry values
as written) all go through it, so two doors can never read one entry as two.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone

from cms_dav.contacts.errors import CardFormatError, InteractionError
from cms_dav.contacts.stamps import STAMP_FORMAT, basic_day, utc_stamp
from cms_dav.contacts.vcard_lines import (
    CardParses, ContentLine, LineRewrite, card_lines, escape, insert_before_end, parse_line,
    rewrite_lines, unescape, unfold,
)

PROPERTY = "X-CMS-INTERACTION"
KINDS = ("call", "meeting", "email", "visit", "note")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # \t and \n are fine in text
_SEPARATOR = re.compile(r"\\?;")
_CLAIMED = "/claimed="


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
    #: the time the writer claimed (client upload, ``notes add --at``), never after ``at``
    claimed: datetime | None = None

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
        if self.claimed is not None:
            if (not isinstance(self.claimed, datetime) or self.claimed.tzinfo is None
                    or self.claimed.utcoffset() is None):
                raise InteractionError("claimed time must be a timezone-aware datetime, "
                                       f"got {self.claimed!r}")
            claimed = self.claimed.astimezone(timezone.utc).replace(microsecond=0)
            if claimed.year < 1000:
                raise InteractionError(f"claimed time {self.claimed!r} is before year 1000")
            if claimed > at:
                raise InteractionError(f"claimed time {claimed:%Y%m%dT%H%M%SZ} is after the "
                                       f"recorded time {at:%Y%m%dT%H%M%SZ}")
            object.__setattr__(self, "claimed", claimed)
        object.__setattr__(self, "text", text)

    @property
    def when(self) -> datetime:
        """When it happened: the claimed time, else the recorded one. Never later than
        ``at``, so a claim can only make an entry older."""
        return self.claimed or self.at


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def new_interaction(kind: str, author: str, text: str, at: datetime | None = None,
                    follow_up: date | None = None, *,
                    claimed: datetime | None = None) -> Interaction:
    """A fresh interaction with a random id; ``at`` defaults to now (UTC)."""
    return Interaction(id=f"i-{uuid.uuid4().hex}", kind=kind,
                       at=at or _now(), author=author,
                       follow_up=follow_up, text=text, claimed=claimed)


def attested(entry: Interaction, author: str, now: datetime) -> Interaction:
    """``entry`` as the server records it: ``author`` and ``now``, the entry's own time
    kept as claimed (dropped when it is not before ``now``: never in the future), a done
    mark no later than ``now``. Issue 14 item 5."""
    now = now.astimezone(timezone.utc).replace(microsecond=0)
    claim = entry.claimed or entry.at
    done = min(entry.done, now) if entry.done is not None else None
    return replace(entry, author=author, at=now, claimed=claim if claim < now else None,
                   done=done)


def recorded(kind: str, author: str, text: str, now: datetime | None = None,
             claimed: datetime | None = None, follow_up: date | None = None,
             interaction_id: str | None = None) -> Interaction:
    """A new entry as the server records it (``author`` at ``now``; ``claimed`` kept
    only when it is in the past): the CLI and the NOTE block write through this."""
    draft = Interaction(id=interaction_id or f"i-{uuid.uuid4().hex}", kind=kind,
                        at=claimed or now or _now(), author=author, follow_up=follow_up,
                        text=text)
    return attested(draft, author, now or _now())


def _encode_follow_up(interaction: Interaction) -> str:
    if interaction.follow_up is None:
        return ""
    day = f"{interaction.follow_up.year:04d}{interaction.follow_up:%m%d}"
    return f"{day}/{interaction.done.strftime(STAMP_FORMAT)}" if interaction.done else day


def _encode_at(interaction: Interaction) -> str:
    at = interaction.at.strftime(STAMP_FORMAT)
    if interaction.claimed is None:
        return at
    return f"{at}{_CLAIMED}{interaction.claimed.strftime(STAMP_FORMAT)}"


def encode_value(interaction: Interaction) -> str:
    follow_up = _encode_follow_up(interaction)
    parts = [interaction.id, interaction.kind, _encode_at(interaction),
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
    raw_recorded, marked, raw_claimed = raw_at.strip().partition(_CLAIMED)
    try:
        at = utc_stamp(raw_recorded.strip())
        claimed = utc_stamp(raw_claimed.strip()) if marked else None
    except ValueError:
        raise InteractionError(f"{PROPERTY} {raw_id!r}: bad date-time {raw_at!r}, "
                               "expected YYYYMMDDTHHMMSSZ, optionally followed by "
                               "/claimed=YYYYMMDDTHHMMSSZ") from None
    follow_up, done = _decode_follow_up(raw_id, raw_follow_up)
    return Interaction(id=raw_id.strip(), kind=kind.strip().lower(), at=at, author=author,
                       follow_up=follow_up, text=text, done=done, claimed=claimed)


def _decode_follow_up(raw_id: str, raw: str) -> tuple[date | None, datetime | None]:
    """``YYYYMMDD``, ``YYYYMMDD/YYYYMMDDTHHMMSSZ`` (done) or empty."""
    if not raw.strip():
        return None, None
    raw_day, slash, raw_done = raw.strip().partition("/")
    try:
        follow_up = basic_day(raw_day.strip())
    except ValueError:
        raise InteractionError(f"{PROPERTY} {raw_id!r}: bad follow-up date "
                               f"{raw!r}, expected YYYYMMDD or YYYYMMDD/YYYYMMDDTHHMMSSZ"
                               ) from None
    if not slash:
        return follow_up, None
    try:
        done = utc_stamp(raw_done.strip())
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


def _decoded(value: str) -> Interaction | InteractionError:
    try:
        return decode_value(value)
    except InteractionError as exc:
        return exc


def decoded(value: str, parses: CardParses | None = None) -> Interaction | InteractionError:
    """:func:`decode_value` of ``value``, or the error it raises; ``parses``: the
    write's parses, which decode each value once for all its texts."""
    if parses is None:
        return _decoded(value)
    return parses.derived("interaction", value, lambda: _decoded(value))


def read_interactions(lines: Iterable[ContentLine], parses: CardParses | None = None
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
        entry = decoded(line.value, parses)
        if isinstance(entry, InteractionError):
            damaged.append(entry)
        else:
            found.append(entry)
    return found, damaged


def parse_interactions(vcard_text: str, *, strict: bool = True,
                       parses: CardParses | None = None) -> list[Interaction]:
    """Interactions of a card in card order; ``strict=False`` skips damaged entries."""
    found, damaged = read_interactions(card_lines(vcard_text, parses), parses)
    if strict and damaged:
        raise damaged[0]
    return found


def add_interaction(vcard_text: str, interaction: Interaction,
                    parses: CardParses | None = None) -> str:
    """The card with one more interaction line; the id must not be there already."""
    if interaction.id in interaction_ids(card_lines(vcard_text, parses)):
        raise InteractionError(f"the card already has an interaction with id {interaction.id!r}")
    return insert_before_end(vcard_text, [encode_property(interaction)])


def _rewrite_interactions(vcard_text: str, rewrite: LineRewrite,
                          parses: CardParses | None = None) -> tuple[str, int]:
    """The card with each interaction line replaced by ``rewrite(line, logical)``
    (:func:`~cms_dav.contacts.vcard_lines.rewrite_lines`). Returns (text, lines changed)."""
    return rewrite_lines(vcard_text, PROPERTY, rewrite, parses)


def remove_interaction(vcard_text: str, interaction_id: str) -> str:
    """The card without the interaction ``interaction_id``; other lines keep their bytes."""
    card_lines(vcard_text)  # validates the card as a whole
    text, removed = _rewrite_interactions(
        vcard_text, lambda line, logical: None
        if interaction_id_of(line.value) == interaction_id else logical)
    if not removed:
        raise InteractionError(f"the card has no interaction with id {interaction_id!r}")
    return text


def _entry(vcard_text: str, interaction_id: str) -> Interaction:
    """The stored entry ``interaction_id``; InteractionError when the card has none."""
    matching = [line for line in card_lines(vcard_text)
                if line.name == PROPERTY and interaction_id_of(line.value) == interaction_id]
    if not matching:
        raise InteractionError(f"the card has no interaction with id {interaction_id!r}")
    return decode_value(matching[0].value)


def mark_done(vcard_text: str, interaction_id: str, at: datetime) -> tuple[str, Interaction]:
    """The card with follow-up ``interaction_id`` marked done at ``at``; other lines keep
    their bytes. Raises InteractionError if there is no such entry, it has no follow-up
    or it is done already."""
    current = _entry(vcard_text, interaction_id)
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
    current = _entry(vcard_text, interaction_id)
    if current.done is None:
        raise InteractionError(f"the follow-up of {interaction_id!r} is not done")
    reopened = replace(current, done=None)
    text, _ = _rewrite_interactions(
        vcard_text, lambda line, logical: encode_property(reopened)
        if interaction_id_of(line.value) == interaction_id else logical)
    return text, reopened


@dataclass(frozen=True)
class UploadReview:
    """What :func:`review_upload` made of an upload's interactions."""

    text: str
    changed: bool
    #: ids of stored entries the upload carried with another kind, time, author, text
    #: or follow-up date (the stored entry was kept; the attempt is for the audit trail)
    tampered: tuple[str, ...] = ()
    #: ids of the upload's new entries, recorded under the uploader at the server's time
    attested_ids: tuple[str, ...] = ()


def review_upload(stored_text: str | None, uploaded_text: str, uploader: str | None,
                  now: datetime | None = None, parses: CardParses | None = None
                  ) -> UploadReview:
    """The upload with the history made append-only and server-attested (issue 14 item 5).

    * an entry whose id is stored keeps the stored author, time, text (everything: the
      stored line replaces the uploaded one when they differ; a different kind, time,
      author, text or follow-up date is reported in ``tampered``; a copy lacking a done
      mark, or the client's own copy from before its entry was attested, is not);
    * a new entry is recorded under ``uploader`` at ``now`` (:func:`attested`), unless
      ``uploader`` is None (text the server wrote itself); a damaged one is kept as sent
      (it is no interaction: nothing reads it as one, the linter reports it);
    * stored entries the upload lacks are put back before END:VCARD in stored order;
    * an id the upload repeats is kept once.

    Every other byte of the upload is kept. Raises CardFormatError for a broken card.
    ``parses``: the write's parses (:class:`~.vcard_lines.CardParses`).
    """
    card_lines(uploaded_text, parses)  # validates the upload as a whole
    now = now or _now()
    stored = _stored_entries(stored_text, parses)
    seen: set[str] = set()
    tampered: list[str] = []
    new: list[str] = []

    def rewrite(line: ContentLine, logical: str) -> str | None:
        entry_id = interaction_id_of(line.value)
        if entry_id in seen:
            return None
        seen.add(entry_id)
        found = decoded(line.value, parses)
        uploaded = None if isinstance(found, InteractionError) else found
        if entry_id in stored:
            kept, kept_line = stored[entry_id]
            if kept is None:  # damaged on the server already: keep it byte for byte
                return logical if logical == kept_line else kept_line
            if uploaded == kept:
                return logical
            if uploaded is None or _rewritten(uploaded, kept):
                tampered.append(entry_id)
            return kept_line
        if uploaded is None or uploader is None:
            return logical
        entry = attested(uploaded, uploader, now)
        if entry == uploaded:
            return logical
        new.append(entry_id)
        value = encode_value(entry)
        if parses is not None:
            # the timeline block and the index decode the new line next: its decoding
            # is ``entry`` (decode_value(encode_value(entry)) == entry), not made again
            parses.derived("interaction", value, lambda: entry)
        return f"{PROPERTY}:{value}"

    text, changed = _rewrite_interactions(uploaded_text, rewrite, parses)
    missing = [line for entry_id, (_, line) in stored.items() if entry_id not in seen]
    if missing:
        text = insert_before_end(text, missing)
    return UploadReview(text, bool(changed or missing), tuple(tampered), tuple(new))


def _stored_entries(stored_text: str | None, parses: CardParses | None = None
                   ) -> dict[str, tuple[Interaction | None, str]]:
    """id -> (entry, or None when damaged; its unfolded line), in stored order."""
    found: dict[str, tuple[Interaction | None, str]] = {}
    parse = parses.line if parses is not None else parse_line
    for raw in unfold(stored_text or ""):
        try:
            line = parse(raw)
        except CardFormatError:
            continue
        if line.name != PROPERTY:
            continue
        entry = decoded(line.value, parses)
        if isinstance(entry, InteractionError):
            found.setdefault(interaction_id_of(line.value), (None, f"{PROPERTY}:{line.value}"))
            continue
        found.setdefault(entry.id, (entry, encode_property(entry)))
    return found


def _rewritten(uploaded: Interaction, stored: Interaction) -> bool:
    """Whether an upload's copy of a stored entry changes what the entry says: not a
    missing or extra done mark, not the client's own copy from before attestation."""
    if replace(uploaded, done=stored.done) == stored:
        return False
    return replace(attested(uploaded, stored.author, stored.at), done=stored.done) != stored


def merge_preserving_interactions(stored_text: str | None, uploaded_text: str) -> tuple[str, bool]:
    """Put back the interactions a client dropped and keep stored entries as stored;
    the upload's new entries are taken as written (text the server wrote itself).
    Returns (text to store, changed). Client uploads go through :func:`review_upload`."""
    review = review_upload(stored_text, uploaded_text, uploader=None)
    return review.text, review.changed


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
    (a later ``when``) that sets its own follow-up: the newer date replaces the older
    one. A later interaction without a follow-up date closes nothing: logging an
    e-mail does not mean the promised call happened.
    """
    with_date = sorted((i for i in interactions if i.follow_up is not None),
                       key=lambda i: (i.when, i.id))
    found = []
    later_index = 0
    for interaction in with_date:  # sorted: the first later one is never behind us
        while later_index < len(with_date) and with_date[later_index].when <= interaction.when:
            later_index += 1
        later = with_date[later_index] if later_index < len(with_date) else None
        if interaction.done is not None:
            found.append(FollowUp(interaction, interaction.done))
        elif later is not None:
            found.append(FollowUp(interaction, later.when, superseded_by=later.id))
        else:
            found.append(FollowUp(interaction, None))
    return found


def last_contacted(interactions: list[Interaction]) -> datetime | None:
    """Newest time an interaction happened (:attr:`Interaction.when`), the basis of
    "not contacted since"."""
    return max((i.when for i in interactions), default=None)
