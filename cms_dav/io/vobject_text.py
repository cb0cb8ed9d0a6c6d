"""vobject's TEXT value unescaping without its character-by-character state machine.

``vobject.icalendar.stringToTextValues`` splits a TEXT value at its list separator and
undoes the backslash escapes (RFC 6350 §3.4, RFC 5545 §3.3.11). vobject walks the
value one character at a time through a state machine with a ``try``/``except`` per
character; it runs for every text property of every parse (vCard ``decode``, N and ADR
values) and again when the tree is serialized, about 55 times per bench card and ~4 %
of a PUT's CPU (issue 19). :func:`string_to_text_values` returns the same list for
every input: a value without a backslash is a ``str.split``, one with backslashes a
loop over the escapes only. Quirks kept on purpose: an unknown escape stays as written
(``\\x``), a trailing lone backslash becomes ``\\eof`` (vobject compares its end marker
``"eof"`` with the escapable characters), one trailing separator ends the list without
an empty value. Anything but a ``str`` with a one-character separator goes to vobject's
own function. The differential test is ``tests/io/test_vobject_text.py``.
"""

from __future__ import annotations

from typing import Any, Callable

import vobject.icalendar

from cms_dav import radicale_compat

#: vobject's own function, kept for the differential test and the unusual arguments
ORIGINAL: Callable[..., list[Any]] = vobject.icalendar.stringToTextValues
#: vobject's default escapable characters (``icalendar.escapableCharList``)
ESCAPABLE = vobject.icalendar.escapableCharList


def string_to_text_values(s: Any, listSeparator: str = ",",  # noqa: N803 - vobject's
                          charList: str | None = None, strict: bool = False) -> list[Any]:
    """The values of the TEXT list ``s``, as ``vobject.icalendar.stringToTextValues``
    returns them."""
    if charList is None:
        charList = ESCAPABLE
    if (type(s) is not str or type(listSeparator) is not str or len(listSeparator) != 1
            or type(charList) is not str or "eof" in charList):
        return ORIGINAL(s, listSeparator, charList, strict)
    if "\\" not in s:
        values = s.split(listSeparator)
        if len(values) > 1 and not values[-1]:
            values.pop()  # "a," is ["a"]; "a,," is ["a", ""]
        return values
    return _unescape(s, listSeparator, charList)


def _unescape(s: str, separator: str, escapable: str) -> list[str]:
    values: list[str] = []
    current: list[str] = []
    start = 0
    end = len(s)
    while True:
        slash = s.find("\\", start)
        plain_end = end if slash < 0 else slash
        pieces = s[start:plain_end].split(separator)
        if len(pieces) > 1:
            current.append(pieces[0])
            values.append("".join(current))
            values.extend(pieces[1:-1])
            current = [pieces[-1]] if pieces[-1] else []
        elif pieces[0]:
            current.append(pieces[0])
        if slash < 0:
            break
        if slash + 1 == end:
            current.append("\\eof")  # vobject's end marker, escaped
            break
        char = s[slash + 1]
        if char in escapable:
            current.append("\n" if char in "nN" else char)
        else:
            current.append("\\" + char)
        start = slash + 2
    if current or not values:
        values.append("".join(current))
    return values


def _replacement(original: Callable[..., list[Any]]) -> Callable[..., list[Any]]:
    return string_to_text_values


def install() -> None:
    """Swap vobject's TEXT unescaping for :func:`string_to_text_values`, once per
    process."""
    radicale_compat.replace_vobject_text_values(_replacement)
