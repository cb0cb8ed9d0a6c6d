"""The timeline in NOTE (issue 14 item 4): recent history where every phone looks.

The latest interactions (and, later, custom fields) are rendered into a delimited
block at the end of the card's ``NOTE`` (RFC 6350 §6.7.2; vCard 3.0 RFC 2426 §3.6.2),
below the user's own note text, which is kept as written::

    NOTE:Prefers WeChat.\\n\\n=== Timeline [cms-dav] ===\\n(add a line: + call: what
     happened)\\n2026-11-20 10:00 UTC · call · alice: Discussed renewal\\n=== end [cms-dav] ===

A marker line is ``=== <heading> [cms-dav] ===`` in any language; the first one opens the
block, a later one closes it (text a client put after it is the user's again). When a
client uploads the card, :func:`refresh_note` takes the block out: a line typed in it as
``+ KIND: text`` (or ``+ text`` for a note; ``＋``/``：`` as typed by Chinese input methods
too) becomes a new interaction by the uploader at the upload's time, every other line
(rendered entries, edited or deleted) is ignored, and the block is rendered anew. The
new entry's id is derived from the card, uploader, kind, text and day, so a client
sending the same typed line twice in a day records it once.

The block is written only when there is something to show; only the NOTE line(s)
change, every other line of the card keeps its bytes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from cms_dav.contacts.interactions import (KINDS, Interaction, add_interaction,
                                           interaction_ids, parse_interactions, recorded)
from cms_dav.contacts.vcard_lines import (CardParses, ContentLine, card_lines, escape,
                                          insert_before_end, rewrite_lines, unescape)

TAG = "[cms-dav]"
_MARKER = re.compile(r"^===\s.*\s" + re.escape(TAG) + r"\s===\s*$")
_TYPED = re.compile(r"^[+＋]\s*(?:(?P<kind>[A-Za-z]+)\s*[:：])?\s*(?P<text>.*)$")
#: collection property switching the block per address book (PROPPATCH):
#: ``off`` (also ``false``, ``no``, ``0``), or ``en``/``zh``/``pl`` for on in that language
BOOK_PROPERTY = "{http://cms-dav.org/ns/}timeline-note"
_OFF = ("off", "false", "no", "0")


@dataclass(frozen=True)
class Words:
    """The localised words of the block."""

    heading: str
    end: str
    hint: str
    fields: str
    follow_up: str
    done: str
    claimed: str


LANGUAGES: dict[str, Words] = {
    "en": Words("Timeline", "end", "(add a line: + call: what happened)", "Fields",
                "follow up", "done", "claimed"),
    "zh": Words("互动记录", "结束", "（新增一行：+ call: 内容）", "字段", "跟进", "已完成",
                "自述时间"),
    "pl": Words("Historia kontaktów", "koniec", "(dodaj wiersz: + call: co się stało)", "Pola",
                "kontakt ponowny", "zrobione", "deklarowano"),
}


@dataclass(frozen=True)
class TimelineOptions:
    """``[contacts] timeline_entries`` (0 = off everywhere) and ``timeline_language``."""

    entries: int = 20
    language: str = "en"

    def for_book(self, props: Mapping[str, str]) -> "TimelineOptions | None":
        """The options for an address book with collection properties ``props``; None
        when the block is off there."""
        value = str(props.get(BOOK_PROPERTY, "")).strip().lower()
        if self.entries <= 0 or value in _OFF:
            return None
        return TimelineOptions(self.entries, value if value in LANGUAGES else self.language)


def split_note(value: str) -> tuple[str, list[str] | None]:
    """An unescaped NOTE value as (the user's text, the block's inner lines or None)."""
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    markers = [i for i, line in enumerate(lines) if _MARKER.match(line.strip())]
    if not markers:
        return value, None
    start = markers[0]
    end = markers[-1] if len(markers) > 1 else len(lines)
    user = "\n".join(lines[:start]).rstrip("\n")
    after = "\n".join(lines[end + 1:]).strip("\n")
    if after:
        user = f"{user}\n{after}" if user else after
    return user, lines[start + 1:end]


def typed_entries(block: Sequence[str]) -> list[tuple[str, str]]:
    """(kind, text) of the lines the user typed into the block in the documented form."""
    found = []
    for line in block:
        match = _TYPED.match(line.strip())
        if not match:
            continue
        kind, text = (match.group("kind") or "").lower(), match.group("text").strip()
        if kind and kind not in KINDS:  # "+ Re: renewal" is text, not a kind
            text, kind = line.strip()[1:].strip(), ""
        if text:
            found.append((kind or "note", text))
    return found


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def render_block(entries: Sequence[Interaction], fields: Sequence[tuple[str, str]],
                 options: TimelineOptions) -> str:
    """The block (no trailing line break): fields rows, then the latest entries newest
    first. ``fields`` is the seam for custom fields: (label, value) rows."""
    words = LANGUAGES.get(options.language, LANGUAGES["en"])
    lines = [f"=== {words.heading} {TAG} ===", words.hint]
    if fields:
        lines.append(f"{words.fields}:")
        lines.extend(f"- {label}: {value}" for label, value in fields)
    newest = sorted(entries, key=lambda e: (e.at, e.id), reverse=True)[:options.entries]
    for entry in newest:
        line = f"{_when(entry.at)} · {entry.kind} · {entry.author}: " + " ".join(
            entry.text.split("\n"))
        if entry.claimed is not None:
            line += f" ({words.claimed} {_when(entry.claimed)})"
        if entry.follow_up is not None:
            line += f" [{words.follow_up} {entry.follow_up.isoformat()}"
            line += f", {words.done}]" if entry.done is not None else "]"
        lines.append(line)
    lines.append(f"=== {words.end} {TAG} ===")
    return "\n".join(lines)


def typed_id(uid: str, author: str, kind: str, text: str, now: datetime) -> str:
    """The id of a typed entry: the same line from the same user on the same day is one."""
    key = "\n".join((uid, author, kind, text, now.strftime("%Y%m%d")))
    return "i-t" + hashlib.sha256(key.encode()).hexdigest()[:32]


def refresh_note(vcard_text: str, uid: str, options: TimelineOptions | None,
                 uploader: str | None, now: datetime,
                 fields: Sequence[tuple[str, str]] = (), parses: CardParses | None = None
                 ) -> tuple[str, list[Interaction]]:
    """The card with its NOTE block taken out, typed lines recorded (when ``uploader``
    is given) and the block rendered anew (when ``options`` is given: on for the
    book). Returns (text, the new interactions). Raises CardFormatError / ContactError.
    ``parses``: the write's parses (:class:`~.vcard_lines.CardParses`)."""
    lines = card_lines(vcard_text, parses)
    typed: list[tuple[str, str]] = []
    has_block = False
    for line in lines:
        if line.name == "NOTE":
            _, inner = split_note(unescape(line.value))
            if inner is not None:
                has_block = True
                typed.extend(typed_entries(inner))
    new: list[Interaction] = []
    text = vcard_text
    if options is not None and uploader is not None:
        known = interaction_ids(lines)
        for kind, said in typed:
            entry = recorded(kind, uploader, said, now,
                             interaction_id=typed_id(uid, uploader, kind, said, now))
            if entry.id not in known:
                known.add(entry.id)
                text = add_interaction(text, entry, parses)
                new.append(entry)
    block = ""
    if options is not None:
        entries = parse_interactions(text, strict=False, parses=parses)
        if entries or fields:
            block = render_block(entries, fields, options)
    if not has_block and not block:
        return text, new
    return _write_note(text, block, parses), new


def _raw_lines(value: str) -> list[str]:
    """An escaped TEXT value split at its escaped line breaks (``\\n``, ``\\N``), each
    piece still escaped as the client wrote it."""
    lines: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(value):
        if value[index] == "\\" and index + 1 < len(value):
            if value[index + 1] in "nN":
                lines.append("".join(current))
                current = []
            else:
                current.append(value[index:index + 2])
            index += 2
            continue
        current.append(value[index])
        index += 1
    lines.append("".join(current))
    return lines


def _user_part(value: str) -> tuple[str, bool]:
    """(the user's text as the client escaped it, whether a block was there): like
    :func:`split_note`, but keeping the client's bytes of the user's text."""
    lines = _raw_lines(value)
    markers = [i for i, line in enumerate(lines) if _MARKER.match(unescape(line).strip())]
    if not markers:
        return value, False
    start = markers[0]
    end = markers[-1] if len(markers) > 1 else len(lines)
    before, after = lines[:start], lines[end + 1:]
    while before and not before[-1]:
        before.pop()
    while after and not after[0]:
        after.pop(0)
    while after and not after[-1]:
        after.pop()
    return "\\n".join(before + after), True


def _write_note(vcard_text: str, block: str, parses: CardParses | None) -> str:
    """The card with the block (or none, when empty) at the end of its first NOTE and
    taken out of any other; a card without NOTE gets one before END:VCARD. The user's
    text keeps the client's escaping."""
    first = True

    def rewrite(line: ContentLine, logical: str) -> str | None:
        nonlocal first
        user, had_block = _user_part(line.value)
        wanted = escape(block) if first else ""
        first = False
        if not had_block and not wanted:
            return logical
        value = f"{user}\\n\\n{wanted}" if user and wanted else user or wanted
        if not value and had_block:
            return None  # the NOTE held only the block
        head = logical[:len(logical) - len(line.value)]
        return logical if unescape(value) == unescape(line.value) else head + value

    text, _ = rewrite_lines(vcard_text, "NOTE", rewrite, parses)
    if first and block:  # no NOTE at all
        return insert_before_end(text, [f"NOTE:{escape(block)}"])
    return text
