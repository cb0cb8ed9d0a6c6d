"""Content-line level reading and writing of vCard text (RFC 6350 §3.2-3.4, RFC 2426).

We read cards ourselves instead of through vobject because vobject unescapes
unknown and list-valued properties into plain strings, which loses the
difference between ``A\\,B`` (one category) and ``A,B`` (two), and because the
interaction merge must leave every byte the client sent untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cms_dav.contacts.errors import CardFormatError

_FOLD = re.compile(r"\r?\n[ \t]")
_NAME = re.compile(r"^(?:([A-Za-z0-9-]+)\.)?([A-Za-z0-9-]+)$")
FOLD_OCTETS = 75


@dataclass(frozen=True)
class ContentLine:
    """One unfolded property: ``group.NAME;PARAM=v1,v2:value`` (value still escaped)."""

    name: str  # upper-cased
    value: str
    params: dict[str, list[str]] = field(default_factory=dict)
    group: str = ""

    def param(self, key: str) -> list[str]:
        """Values of a parameter, upper-cased key; also the vCard 2.1 bare ``TYPE`` form."""
        return self.params.get(key.upper(), [])

    @property
    def types(self) -> set[str]:
        return {t.lower() for v in self.param("TYPE") for t in v.split(",")}


def detect_eol(text: str) -> str:
    """The client's line ending, so lines we insert look like the lines around them."""
    return "\r\n" if "\r\n" in text else "\n"


def unfold(text: str) -> list[str]:
    """Logical lines of a vCard, without line endings and without blank lines."""
    return [line for line in re.split(r"\r\n|\n|\r", _FOLD.sub("", text)) if line.strip()]


def fold(line: str, limit: int = FOLD_OCTETS) -> list[str]:
    """Split one logical line into physical lines of at most ``limit`` UTF-8 octets.

    Never cuts inside a multi-byte character (RFC 6350 §3.2).
    """
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


def _split_params(head: str) -> list[str]:
    """Split ``NAME;A=1;B="x;y"`` on ';' outside double quotes."""
    parts, current, quoted = [], [], False
    for char in head:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _value_start(line: str) -> int:
    """Index of the ':' that ends the property name and parameters (quotes respected)."""
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return index
    raise CardFormatError(f"content line has no ':' separating name and value: {line[:60]!r}")


def parse_line(line: str) -> ContentLine:
    """Parse one unfolded content line; raises CardFormatError if it is not one."""
    colon = _value_start(line)
    head, value = line[:colon], line[colon + 1:]
    name_part, *param_parts = _split_params(head)
    match = _NAME.match(name_part.strip())
    if not match:
        raise CardFormatError(f"invalid property name {name_part[:40]!r} in line {line[:60]!r}")
    params: dict[str, list[str]] = {}
    for part in param_parts:
        key, sep, raw = part.partition("=")
        if not sep:  # vCard 2.1: ";HOME" means TYPE=HOME
            key, raw = "TYPE", part
        values = [v[1:-1] if len(v) >= 2 and v[0] == v[-1] == '"' else v
                  for v in _split_outside_quotes(raw)]
        params.setdefault(key.strip().upper(), []).extend(values)
    return ContentLine(name=match.group(2).upper(), value=value, params=params,
                       group=match.group(1) or "")


def _split_outside_quotes(raw: str) -> list[str]:
    parts, current, quoted = [], [], False
    for char in raw:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def card_lines(text: str) -> list[ContentLine]:
    """The properties of the single vCard in ``text`` (BEGIN/END/VERSION included).

    Nested cards (vCard 2.1 AGENT) are not expected; a second BEGIN:VCARD is an error
    because a DAV item holds exactly one card.
    """
    if not isinstance(text, str):
        raise CardFormatError(f"vCard text must be str, got {type(text).__name__}")
    lines = [parse_line(raw) for raw in unfold(text)]
    begins = [i for i, cl in enumerate(lines) if cl.name == "BEGIN" and cl.value.strip().upper() == "VCARD"]
    ends = [i for i, cl in enumerate(lines) if cl.name == "END" and cl.value.strip().upper() == "VCARD"]
    if not begins or not ends:
        raise CardFormatError("not a vCard: BEGIN:VCARD ... END:VCARD is missing")
    if len(begins) > 1 or len(ends) > 1:
        raise CardFormatError("more than one vCard in one item")
    if begins[0] != 0 or ends[0] != len(lines) - 1:
        raise CardFormatError("content outside BEGIN:VCARD ... END:VCARD")
    return lines


def unescape(value: str) -> str:
    """Undo RFC 6350 text escaping; unknown escapes are kept as written (no data loss)."""
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        nxt = next(chars, "")
        if nxt in ("n", "N"):
            out.append("\n")
        elif nxt in ("\\", ",", ";", ":"):
            out.append(nxt)
        else:
            out.append("\\" + nxt)
    return "".join(out)


def escape(value: str) -> str:
    """RFC 6350 text escaping of one component (line breaks become ``\\n``)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def split_unescaped(value: str, separator: str) -> list[str]:
    """Split an escaped value on ``separator`` where it is not backslash-escaped.

    The parts stay escaped, so a structured value can be split on ';' first and
    each component on ',' afterwards.
    """
    parts, current = [], []
    escaped = False
    for char in value:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def text_list(value: str) -> list[str]:
    """A comma-separated text list (CATEGORIES, NICKNAME): unescaped, trimmed, no empties."""
    return [item for item in (unescape(p).strip() for p in split_unescaped(value, ",")) if item]


def structured(value: str) -> list[str]:
    """A ';'-structured value (N, ADR, ORG) as unescaped components."""
    return [unescape(p) for p in split_unescaped(value, ";")]
