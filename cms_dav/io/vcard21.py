"""Bring vCard 2.1 lines up to 3.0 so Radicale (vobject) stores them faithfully.

Phones still export 2.1 with QUOTED-PRINTABLE values in a CHARSET that may
differ from the file's, bare type parameters (``TEL;CELL``) and unescaped
commas; all of that is rewritten here, anything else is copied untouched.
"""

from __future__ import annotations

import quopri

from cms_dav.contacts.vcard_lines import ContentLine, escape, unescape
from cms_dav.contacts.vcard_lines import split_unescaped as split_escaped

_STRUCTURED = {"N", "ADR", "ORG"}
_TEXT = {"FN", "NOTE", "TITLE", "ROLE", "LABEL"}


def join_qp_soft_breaks(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """2.1 QP values continue on the next physical line after a trailing '='."""
    out: list[tuple[int, str]] = []
    pending = False
    for number, line in lines:
        if pending and out:
            out[-1] = (out[-1][0], out[-1][1][:-1] + line)
        else:
            out.append((number, line))
        last = out[-1][1]
        pending = "QUOTED-PRINTABLE" in last.split(":", 1)[0].upper() and last.endswith("=")
    return out


def upgrade_line(line: ContentLine) -> ContentLine:
    """Rewrite one parsed 2.1 line as its 3.0 equivalent."""
    encoding = (line.param("ENCODING") or [""])[0].upper()
    charset = (line.param("CHARSET") or ["utf-8"])[0]
    params = [(k, v) for k, v in line.params if k not in ("ENCODING", "CHARSET")]
    value = line.value
    if encoding == "QUOTED-PRINTABLE":
        raw = quopri.decodestring(value.encode("latin-1", "replace"))
        try:
            value = raw.decode(charset)
        except (LookupError, UnicodeDecodeError):
            value = raw.decode("utf-8", "replace")
    elif encoding == "BASE64":
        params.append(("ENCODING", "b"))
    types = [v for k, v in params if k == "TYPE"]
    params = [(k, v) for k, v in params if k != "TYPE"]
    if types:
        params.insert(0, ("TYPE", ",".join(t.lower() for t in types)))
    if line.name in _STRUCTURED:
        value = ";".join(escape(unescape(p)) for p in split_escaped(value, ";"))
    elif line.name in _TEXT:
        value = escape(value.replace("\\;", ";"))
    return ContentLine(name=line.name, value=value, params=params, group=line.group)
