"""Content lines of vCard/iCalendar text (RFC 6350 §3.2-3.4, RFC 5545 §3.1): unfold, parse,
escape, fold.

One reader for the whole project: the contact layer (validation, fields,
X-CMS-INTERACTION merge) and io (import, merge, export, .ics splitting) both use it.
We read text ourselves instead of through vobject because vobject unescapes
unknown and list-valued properties into plain strings, which loses the
difference between ``A\\,B`` (one category) and ``A,B`` (two), and because
merge, import and export must copy lines they do not understand (PHOTO,
X-ABLabel, X-CMS-INTERACTION) byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any, TypeVar

from cms_dav.contacts.errors import CardFormatError

CRLF = "\r\n"
FOLD_OCTETS = 75
_LINE_BREAK = re.compile(r"\r\n|\n|\r")
_NAME = re.compile(r"^(?:([A-Za-z0-9-]+)\.)?([A-Za-z0-9-]+)$")
_BARE_ENCODINGS = ("QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT", "B")
T = TypeVar("T")


@dataclass
class ContentLine:
    """One logical line ``[group.]NAME;PARAM=value...:value`` (value still escaped).

    Parameters stay an ordered list of (KEY, value) so a line can be written back
    in the order the client sent it; ``value`` is a comma list as written, unquoted.
    """

    name: str  # upper-cased
    value: str
    params: list[tuple[str, str]] = field(default_factory=list)
    group: str = ""

    def param(self, key: str) -> list[str]:
        """All values of parameter ``key`` (comma lists split, empties dropped)."""
        wanted = key.upper()
        return [part for k, v in self.params if k == wanted for part in v.split(",") if part]

    def types(self) -> list[str]:
        return [t.lower() for t in self.param("TYPE")]

    def serialize(self) -> str:
        """The unfolded line; values with ':' or ';' are quoted so they read back the same."""
        head = f"{self.group}.{self.name}" if self.group else self.name
        for key, value in self.params:
            head += f";{key}={_quote_param(value)}" if value != "" else f";{key}"
        return f"{head}:{self.value}"


def _quote_param(value: str) -> str:
    return f'"{value}"' if any(c in value for c in ":;") else value


def detect_eol(text: str) -> str:
    """The client's line ending, so lines we insert look like the lines around them."""
    return CRLF if CRLF in text else "\n"


def unfold_numbered(text: str) -> list[tuple[int, str]]:
    """Logical lines with the 1-based physical line each starts on; blank lines dropped.

    The numbers let importers name the line a broken card starts on. A line that
    starts with a space or tab continues the physical line before it, even a blank one.
    """
    logical: list[tuple[int, str]] = []
    for number, raw in enumerate(_LINE_BREAK.split(text), start=1):
        if raw[:1] in (" ", "\t") and logical:
            logical[-1] = (logical[-1][0], logical[-1][1] + raw[1:])
        else:
            logical.append((number, raw))
    return [(number, line) for number, line in logical if line.strip()]


def unfold(text: str) -> list[str]:
    """Logical lines, without line endings and without blank lines."""
    return [line for _, line in unfold_numbered(text)]


def fold(line: str, limit: int = FOLD_OCTETS) -> list[str]:
    """Split one logical line into physical lines of at most ``limit`` UTF-8 octets.

    Never cuts inside a multi-byte character (RFC 6350 §3.2). Continuation lines
    carry their leading space; the caller adds the line ending it needs.
    """
    octets = line.encode("utf-8")
    if len(octets) <= limit:  # most lines: no per-character walk
        return [line]
    if limit > 4:  # every character fits a piece: cut the octets where the walk would
        return _fold_octets(octets, limit)
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    budget = limit
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > budget:
            pieces.append("".join(current))
            current, size, budget = [], 0, limit - 1  # continuation lines start with a space
        current.append(char)
        size += width
    pieces.append("".join(current))
    return [pieces[0]] + [" " + piece for piece in pieces[1:]]


def _fold_octets(octets: bytes, limit: int) -> list[str]:
    """:func:`fold`'s pieces, cut at the last character start within each budget."""
    pieces: list[str] = []
    start, budget = 0, limit
    while len(octets) - start > budget:
        end = start + budget
        while octets[end] & 0xC0 == 0x80:  # a continuation octet: not a character start
            end -= 1
        pieces.append(octets[start:end].decode("utf-8"))
        start, budget = end, limit - 1  # continuation lines start with a space
    pieces.append(octets[start:].decode("utf-8"))
    return [pieces[0]] + [" " + piece for piece in pieces[1:]]


def folded(line: str, eol: str = CRLF) -> str:
    """One logical line folded into text, without a trailing line ending. A line of at
    most :data:`FOLD_OCTETS` characters, all ASCII, is its own one piece: taken as it
    is, without :func:`fold`'s encode and list (~8 of ~37 us per row that ``cms-dav
    import`` turns into a vCard before its first write, issue 19 target 5)."""
    if len(line) <= FOLD_OCTETS and line.isascii():
        return line
    return eol.join(fold(line))


def render(lines: list[ContentLine]) -> str:
    """Serialize and fold lines into CRLF text ending with CRLF."""
    pieces = [folded(line.serialize()) for line in lines]
    return CRLF.join(pieces) + CRLF if pieces else ""


def _split_protected(text: str, separator: str, *, quotes: bool) -> list[str]:
    """Split on ``separator`` where it is not protected; the parts keep what protects it.

    Two protections exist in content lines: a parameter value may be a quoted string
    (RFC 6350 §3.3; ``quotes=True``), and a text value escapes ``\\;`` and ``\\,``
    with a backslash (§3.4; ``quotes=False``). One scanner serves both.
    """
    if ('"' if quotes else "\\") not in text:  # the common case: nothing is protected
        return text.split(separator)
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif quotes and char == '"':
            quoted = not quoted
        elif not quotes and char == "\\":
            escaped = True
        elif char == separator and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    """Split on ``separator`` where it is not inside double quotes (quotes kept)."""
    return _split_protected(text, separator, quotes=True)


def value_start(line: str) -> int:
    """Index of the ':' that ends the property name and parameters (RFC 6350 §3.3: a
    quoted parameter value may hold ':'); raises CardFormatError when there is none."""
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return index
    raise CardFormatError(f"content line has no ':' separating name and value: {line[:60]!r}")


def _unquote(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def _parse_param(part: str) -> tuple[str, str]:
    key, sep, raw = part.partition("=")
    if not sep:  # vCard 2.1 bare parameter, e.g. TEL;CELL;QUOTED-PRINTABLE
        word = key.strip()
        if word.upper() in _BARE_ENCODINGS:
            return ("ENCODING", word.upper())
        return ("TYPE", word.lower())
    values = [_unquote(v.strip()) for v in _split_outside_quotes(raw.strip(), ",")]
    return (key.strip().upper(), ",".join(values))


def parse_line(line: str) -> ContentLine:
    """Parse one unfolded content line; raises CardFormatError (a ValueError) if it is not one."""
    colon = value_start(line)
    head, value = line[:colon], line[colon + 1:]
    name_part, *param_parts = _split_outside_quotes(head, ";")
    match = _NAME.match(name_part.strip())
    if not match:
        raise CardFormatError(f"invalid property name {name_part[:40]!r} in line {line[:60]!r}")
    return ContentLine(name=match.group(2).upper(), value=value,
                       params=[_parse_param(part) for part in param_parts],
                       group=match.group(1) or "")


def lenient_lines(text: str, parses: "CardParses | None" = None) -> list[ContentLine]:
    """Every content line of ``text`` that parses, the rest skipped: for readers that
    must never fail on a damaged card (derived calendars). ``parses``: the write's
    parses (:class:`CardParses`), else the shared cache below."""
    if parses is not None:
        return list(parses.lenient(text))
    return list(_lenient(text))


@lru_cache(maxsize=32)
def _lenient(text: str) -> tuple[ContentLine, ...]:
    """Cached: the birthday and follow-up generators read one card several times.
    A card that parses whole is the strict parse's lines."""
    return _lenient_of(text, _parsed_card, parse_line)


def _lenient_of(text: str, card: Callable[[str], tuple[ContentLine, ...]],
                parse: Callable[[str], ContentLine]) -> tuple[ContentLine, ...]:
    try:
        return card(text)
    except CardFormatError:
        pass
    found = []
    for raw in unfold(text):
        try:
            found.append(parse(raw))
        except CardFormatError:
            continue
    return tuple(found)


def card_lines(text: str, parses: "CardParses | None" = None) -> list[ContentLine]:
    """The properties of the single vCard in ``text`` (BEGIN/END/VERSION included).

    Nested cards (vCard 2.1 AGENT) are not expected; a second BEGIN:VCARD is an error
    because a DAV item holds exactly one card. ``parses``: the write's parses
    (:class:`CardParses`), else the shared cache below.
    """
    if not isinstance(text, str):
        raise CardFormatError(f"vCard text must be str, got {type(text).__name__}")
    if parses is not None:
        return list(parses.card(text))
    return list(_parsed_card(text))


@lru_cache(maxsize=32)
def _parsed_card(text: str) -> tuple[ContentLine, ...]:
    """Cached for the callers outside a write (commands, generated calendars), which
    read one card in several steps (callers only read the lines)."""
    return _card_of(text, parse_line)


def _card_of(text: str, parse: Callable[[str], ContentLine]) -> tuple[ContentLine, ...]:
    lines = [parse(raw) for raw in unfold(text)]
    begins = [i for i, cl in enumerate(lines)
              if cl.name == "BEGIN" and cl.value.strip().upper() == "VCARD"]
    ends = [i for i, cl in enumerate(lines)
            if cl.name == "END" and cl.value.strip().upper() == "VCARD"]
    if not begins or not ends:
        raise CardFormatError("not a vCard: BEGIN:VCARD ... END:VCARD is missing")
    if len(begins) > 1 or len(ends) > 1:
        raise CardFormatError("more than one vCard in one item")
    if begins[0] != 0 or ends[0] != len(lines) - 1:
        raise CardFormatError("content outside BEGIN:VCARD ... END:VCARD")
    return tuple(lines)


class CardParses:
    """The parses of one write's texts, made once and handed to each step that reads
    them (issue 19): a PUT's upload, the upload with its history reviewed and the card
    with its timeline block differ in a few lines, so each logical line is parsed once
    for all of them, each text's card once, and what the steps derive from a text or a
    value (fields, decoded interactions) once. Every answer is what the functions
    without ``parses`` give (each is a pure function of its text); one write's steps
    use it one after another, never two threads at once."""

    def __init__(self) -> None:
        self._lines: dict[str, ContentLine] = {}
        self._cards: dict[str, tuple[ContentLine, ...]] = {}
        self._lenient: dict[str, tuple[ContentLine, ...]] = {}
        self._derived: dict[tuple[str, str], Any] = {}
        #: the write's first text (the upload), read through the shared cache
        self.first: str | None = None

    @property
    def weight(self) -> int:
        """About the characters it holds (for :class:`~.prepared.PreparedWork`)."""
        return 2 * sum(len(text) for text in self._cards.keys() | self._lenient.keys())

    def line(self, logical: str) -> ContentLine:
        """:func:`parse_line` of ``logical`` (a failure is not kept: it raises again)."""
        found = self._lines.get(logical)
        if found is None:
            found = self._lines[logical] = parse_line(logical)
        return found

    def card(self, text: str) -> tuple[ContentLine, ...]:
        """The strict parse of :func:`card_lines`; raises CardFormatError as it does.
        The write's first text (the upload) is read through :func:`card_lines`'s cache,
        which a caller that read the card before the write has filled, unless lines
        were parsed through :meth:`line` before it (``cms-dav import``'s worker reads the
        upload's record so: those are used); its lines then serve the texts derived
        from it."""
        found = self._cards.get(text)
        if found is None:
            if self.first is not None or self._lines:
                # a later text, or lines of this one parsed here already (an import's
                # worker read the upload's record through :meth:`line`): through them
                # (``first`` stays unset: no shared cache holds this text's reads)
                found = _card_of(text, self.line)
            else:
                found = _parsed_card(text)
                self.first = text
                self._lines.update(zip(unfold(text), found, strict=True))
            self._cards[text] = found
        return found

    def lenient(self, text: str) -> tuple[ContentLine, ...]:
        """The lines of :func:`lenient_lines`."""
        found = self._lenient.get(text)
        if found is None:
            found = self._lenient[text] = _lenient_of(text, self.card, self.line)
        return found

    def derived(self, kind: str, key: str, compute: Callable[[], T]) -> T:
        """``compute()``, made once per (``kind``, ``key``): ``compute`` must depend on
        nothing but ``key`` (a text or a value) and return what it returns each time."""
        try:
            found: T = self._derived[(kind, key)]
        except KeyError:
            found = self._derived[(kind, key)] = compute()
        return found


#: one escape: a backslash and the character after it (none at the end of the value)
_ESCAPE = re.compile(r"\\(.?)", re.DOTALL)
#: what an escape stands for (RFC 6350 §3.4); any other is kept as written
_UNESCAPED = {"n": "\n", "N": "\n", "\\": "\\", ",": ",", ";": ";", ":": ":"}


def _unescaped(match: re.Match[str]) -> str:
    after = match.group(1)
    return _UNESCAPED.get(after) or "\\" + after


def unescape(value: str) -> str:
    """Undo RFC 6350 text escaping; unknown escapes are kept as written (no data loss).
    A value without a backslash is returned as it is, the others in one regex pass
    (issue 19: a per-character loop here was ~0.3 ms of a bench card's PUT, ~100 calls)."""
    if "\\" not in value:
        return value
    return _ESCAPE.sub(_unescaped, value)


def escape(value: str) -> str:
    """RFC 6350 text escaping of one component (every line break becomes ``\\n``)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def split_unescaped(value: str, separator: str) -> list[str]:
    """Split an escaped value on ``separator`` where it is not backslash-escaped.

    The parts stay escaped, so a structured value can be split on ';' first and
    each component on ',' afterwards.
    """
    return _split_protected(value, separator, quotes=False)


def text_list(value: str) -> list[str]:
    """A comma-separated text list (CATEGORIES, NICKNAME): unescaped, trimmed, no empties."""
    return [item for item in (unescape(p).strip() for p in split_unescaped(value, ",")) if item]


def structured(value: str) -> list[str]:
    """A ';'-structured value (N, ADR, ORG) as unescaped components."""
    return [unescape(p) for p in split_unescaped(value, ";")]


#: (parsed line, its unfolded text) -> the new unfolded text (that text to keep it), or None
LineRewrite = Callable[[ContentLine, str], "str | None"]


def rewrite_lines(text: str, name: str, rewrite: LineRewrite,
                  parses: CardParses | None = None) -> tuple[str, int]:
    """``text`` with each ``name`` property line replaced by ``rewrite(line, logical)``:
    the same logical line keeps its bytes, ``None`` drops it, another string is folded in
    the text's line ending. Every other line keeps its bytes (lossless storage, issue 12).
    Returns (text, lines changed)."""
    if _cannot_hold(text, name.upper()):
        return text, 0
    if _flat(text):
        return _rewrite_flat(text, name, rewrite, parses)
    physical = re.split(r"(?<=\n)", text)  # line endings stay attached, whatever they are
    eol = detect_eol(text)
    wanted = name.upper()
    kept: list[str] = []
    changed = 0
    index = 0
    while index < len(physical):
        block = [physical[index]]
        while index + 1 < len(physical) and physical[index + 1][:1] in (" ", "\t"):
            index += 1
            block.append(physical[index])
        index += 1
        logical = _logical(block)
        new = _rewritten(logical, block[0], name, wanted, rewrite, parses)
        if new is None:
            changed += 1
        elif new != logical:
            changed += 1
            ending = block[-1][len(block[-1].rstrip("\r\n")):]
            kept.append(eol.join(fold(new)) + ending)
        else:
            kept.extend(block)
    return "".join(kept), changed


def _rewritten(logical: str, first: str, name: str, wanted: str, rewrite: LineRewrite,
               parses: CardParses | None) -> str | None:
    """What the logical line ``logical`` (its first physical line ``first``) becomes in
    :func:`rewrite_lines`: ``rewrite``'s answer if it is a ``name`` property line, else
    itself. A line whose text does not even hold the name (``wanted``, upper-cased)
    cannot parse as that property: kept unparsed (most lines; a PUT rewrites its card's
    NOTE and interactions)."""
    if wanted not in logical.upper() or not logical.strip() or first[:1].isspace():
        return logical
    try:
        line: ContentLine | None = (parses.line(logical) if parses is not None
                                    else parse_line(logical))
    except CardFormatError:
        return logical
    if line is None or line.name != name:
        return logical
    return rewrite(line, logical)


def _cannot_hold(text: str, wanted: str) -> bool:
    """Whether no line of ``text`` can be a ``wanted`` property line, seen without
    splitting it (most uploads have no interaction: issue 19): with no folded line and
    no lone CR, each logical line is a piece of ``text``, so a name the upper-cased text
    lacks is on none of them and :func:`rewrite_lines` would keep every byte."""
    if not _flat(text):
        return False
    return wanted not in text.upper()


def _flat(text: str) -> bool:
    """No folded line and no lone CR: each physical line is one logical line."""
    return "\n " not in text and "\n\t" not in text \
        and text.count("\r") == text.count("\r\n")


@lru_cache(maxsize=16)
def _name_search(name: str) -> re.Pattern[str]:
    return re.compile(re.escape(name), re.IGNORECASE | re.ASCII)


def _rewrite_flat(text: str, name: str, rewrite: LineRewrite,
                  parses: CardParses | None) -> tuple[str, int]:
    """:func:`rewrite_lines` of a :func:`_flat` text, visiting only the lines that hold
    ``name`` in ASCII letters of any case (two per PUT, issue 19, round ten). A line
    can be a ``name`` property only so: :func:`parse_line` takes the name from ASCII
    letters, digits and '-' and upper-cases it. Every other line keeps its bytes, as
    :func:`rewrite_lines` keeps a line that is not that property."""
    wanted = name.upper()
    eol = detect_eol(text)
    kept: list[str] = []
    changed = 0
    last = 0
    for found in _name_search(name).finditer(text):
        if found.start() < last:
            continue  # a second match on a line already visited
        start = text.rfind("\n", 0, found.start()) + 1
        end = text.find("\n", found.end())
        end = len(text) if end < 0 else end + 1
        physical = text[start:end]
        logical = physical.rstrip("\r\n")
        new = _rewritten(logical, physical, name, wanted, rewrite, parses)
        kept.append(text[last:start])
        last = end
        if new is None:
            changed += 1
        elif new != logical:
            changed += 1
            kept.append(eol.join(fold(new)) + physical[len(logical):])
        else:
            kept.append(physical)
    kept.append(text[last:])
    return "".join(kept), changed


def _logical(block: list[str]) -> str:
    """The unfolded text of one line's physical lines (``"".join(unfold(...))``)."""
    if len(block) == 1:
        body = block[0].rstrip("\r\n")
        if "\r" not in body:  # one physical line (most): nothing to unfold
            return body if body.strip() else ""
    return "".join(unfold("".join(block)))


_END = re.compile(r"^END:VCARD[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)


def insert_before_end(vcard_text: str, logical_lines: list[str]) -> str:
    """Insert logical lines (folded, in the card's own line ending) before END:VCARD."""
    ends = list(_END.finditer(vcard_text))
    if not ends:
        raise CardFormatError("not a vCard: END:VCARD is missing")
    position = ends[-1].start()
    eol = detect_eol(vcard_text)
    new = "".join(piece + eol for line in logical_lines for piece in fold(line))
    return vcard_text[:position] + new + vcard_text[position:]
