"""vobject's reading of a plain text value, without vobject (issue 19, putpath).

vobject (0.9.9, what Radicale's ``text_match`` compares) decodes a vCard property that
is not among vCard 3.0's known children (NOTE, EMAIL, TEL, TITLE...) with its default
text behaviour: a line without parameters becomes ``stringToTextValues(value)[0]``,
the part before the first unescaped comma with ``\\n``/``\\N`` read as a line break,
``\\\\ \\; \\, \\"`` as the character and any other escape kept as written. The index
reads the values of a NOTE an upload filter rewrote this way instead of parsing the
rewritten lines with vobject again; ``tests/contacts/test_vobject_text.py`` checks it
against vobject's function on every short string over the escape alphabet.
"""

from __future__ import annotations

import re

#: the characters vobject's ``escapableCharList`` unescapes
_ESCAPABLE = frozenset('\\;,Nn"')
#: the value up to its first unescaped comma (or a backslash ending the text)
_FIRST = re.compile(r"(?:[^\\,]|\\.)*", re.DOTALL)
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)


def _unescaped(match: re.Match[str]) -> str:
    char = match.group(1)
    if char in "nN":
        return "\n"
    return char if char in _ESCAPABLE else "\\" + char


def first_text_value(raw: str) -> str:
    """``vobject.icalendar.stringToTextValues(raw)[0]``: what vobject's default vCard
    text behaviour makes of the value ``raw`` of a line without parameters."""
    if "\\" not in raw:
        return raw.partition(",")[0]
    head = _FIRST.match(raw)
    assert head is not None, "the pattern matches the empty string"
    text = _ESCAPED.sub(_unescaped, head.group())
    if raw[head.end():] == "\\":
        # a backslash ending the text: vobject's state machine escapes its end marker
        text += "\\eof"
    return text
