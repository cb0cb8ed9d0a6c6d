"""Content lines of vCard/iCalendar text: unfold, parse, escape, fold.

Kept textual (not vobject) so that import, merge and export can copy lines
they do not understand (PHOTO, X-ABLabel, X-CMS-INTERACTION) byte for byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CRLF = "\r\n"
_FOLD_OCTETS = 75


@dataclass
class ContentLine:
    """One logical line: ``[group.]NAME;PARAM=value...:value``."""

    name: str
    value: str
    params: list[tuple[str, str]] = field(default_factory=list)
    group: str = ""

    def param(self, key: str) -> list[str]:
        """All values of parameter ``key`` (comma lists split, upper-cased keys)."""
        out: list[str] = []
        for k, v in self.params:
            if k == key.upper():
                out.extend(p for p in v.split(",") if p)
        return out

    def types(self) -> list[str]:
        return [t.lower() for t in self.param("TYPE")]

    def serialize(self) -> str:
        head = f"{self.group}.{self.name}" if self.group else self.name
        for key, value in self.params:
            head += f";{key}={_quote_param(value)}" if value != "" else f";{key}"
        return f"{head}:{self.value}"


def _quote_param(value: str) -> str:
    return f'"{value}"' if any(c in value for c in ':;') else value


def unfold(text: str) -> list[tuple[int, str]]:
    """Logical lines with the 1-based physical line number each starts on."""
    out: list[tuple[int, str]] = []
    for number, raw in enumerate(re.split(r"\r\n|\n|\r", text), start=1):
        if raw[:1] in (" ", "\t") and out:
            out[-1] = (out[-1][0], out[-1][1] + raw[1:])
        elif raw.strip():
            out.append((number, raw))
    return out


def parse_line(line: str) -> ContentLine:
    """Split a logical line; raises ValueError naming the problem."""
    i, n, in_quotes = 0, len(line), False
    while i < n:
        c = line[i]
        if c == '"':
            in_quotes = not in_quotes
        elif c == ":" and not in_quotes:
            break
        i += 1
    if i >= n:
        raise ValueError(f"line has no ':' separating name and value: {line[:60]!r}")
    head, value = line[:i], line[i + 1:]
    parts = _split_unquoted(head, ";")
    group, _, name = parts[0].rpartition(".")
    if not re.fullmatch(r"[A-Za-z0-9-]+", name):
        raise ValueError(f"invalid property name {parts[0]!r}")
    params: list[tuple[str, str]] = []
    for part in parts[1:]:
        key, eq, val = part.partition("=")
        if eq:
            params.append((key.strip().upper(), val.strip().strip('"')))
        else:  # vCard 2.1 bare parameter, e.g. TEL;CELL;QUOTED-PRINTABLE
            params.append(_bare_param(key.strip()))
    return ContentLine(name=name.upper(), value=value, params=params, group=group)


def _bare_param(word: str) -> tuple[str, str]:
    upper = word.upper()
    if upper in ("QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT", "B"):
        return ("ENCODING", upper)
    return ("TYPE", word.lower())


def _split_unquoted(text: str, sep: str) -> list[str]:
    out, cur, in_quotes = [], "", False
    for c in text:
        if c == '"':
            in_quotes = not in_quotes
        if c == sep and not in_quotes:
            out.append(cur)
            cur = ""
        else:
            cur += c
    out.append(cur)
    return out


def split_escaped(value: str, sep: str) -> list[str]:
    """Split on ``sep`` not preceded by a backslash; pieces stay escaped."""
    out, cur, i = [], "", 0
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value):
            cur += value[i:i + 2]
            i += 2
            continue
        if c == sep:
            out.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    out.append(cur)
    return out


def unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def escape(value: str) -> str:
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\n").replace("\n", "\\n"))


def structured(value: str) -> list[str]:
    """Components of N/ADR/ORG, unescaped."""
    return [unescape(p) for p in split_escaped(value, ";")]


def text_list(value: str) -> list[str]:
    """Items of CATEGORIES/NICKNAME, unescaped and stripped, empties dropped."""
    return [s for s in (unescape(p).strip() for p in split_escaped(value, ",")) if s]


def fold(line: str) -> str:
    """Fold at 75 octets without splitting a UTF-8 sequence; no trailing CRLF."""
    pieces, cur, size = [], "", 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        limit = _FOLD_OCTETS if not pieces else _FOLD_OCTETS - 1
        if size + width > limit:
            pieces.append(cur)
            cur, size = "", 0
        cur += ch
        size += width
    pieces.append(cur)
    return (CRLF + " ").join(pieces)


def render(lines: list[ContentLine]) -> str:
    """Serialize and fold lines into CRLF text ending with CRLF."""
    return "".join(fold(line.serialize()) + CRLF for line in lines)
