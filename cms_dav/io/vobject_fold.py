"""vobject's line folding without an exception per line.

``vobject.base.foldOneLine`` writes each content line of a serialization (RFC 6350
§3.2, RFC 5545 §3.1: lines longer than 75 octets are folded, never inside a UTF-8
sequence). Into the text buffer vobject serializes to, it first tries to write the
line as bytes, which raises ``TypeError``, and then writes the text: an exception per
line, twice per fold of a long line, one character at a time. Radicale serializes
every upload (``Item.prepare``), about 20 lines per bench card (issue 19).
:func:`fold_one_line` writes the same text: short lines as they are, long ones cut
where vobject cuts them (the first piece ``lineLength`` octets at most, the next
ones one octet less for the leading space). Any other buffer or value goes to
vobject's own function. The differential test is ``tests/io/test_vobject_fold.py``.
"""

from __future__ import annotations

import io
from typing import Any, Callable

import vobject.base

from cms_dav import radicale_compat

#: vobject's own function, kept for the differential test and other buffers
ORIGINAL: Callable[..., None] = vobject.base.foldOneLine


def fold_one_line(outbuf: Any, input: Any, lineLength: int = 75  # noqa: A002, N803
                  ) -> None:
    """Write ``input`` folded, and a line end, as ``vobject.base.foldOneLine`` does."""
    if type(outbuf) is not io.StringIO or type(input) is not str or lineLength < 2:
        ORIGINAL(outbuf, input, lineLength)
        return
    if len(input) < lineLength:  # written as it is (even with a lone surrogate)
        outbuf.write(input + "\r\n")
        return
    if input.isascii():
        first = input[:lineLength]
        rest = [input[i:i + lineLength - 1] for i in range(lineLength, len(input),
                                                              lineLength - 1)]
        outbuf.write("\r\n ".join([first, *rest]) + "\r\n")
        return
    input.encode("utf-8")  # vobject's first step here: a lone surrogate raises the same
    pieces: list[str] = []
    counter = 0
    for char in input:
        size = len(char.encode("utf-8"))
        if counter + size > lineLength:
            pieces.append("\r\n ")
            counter = 1
        pieces.append(char)
        counter += size
    outbuf.write("".join(pieces) + "\r\n")


def _replacement(original: Callable[..., None]) -> Callable[..., None]:
    return fold_one_line


def install() -> None:
    """Swap vobject's line folding for :func:`fold_one_line`, once per process."""
    radicale_compat.replace_vobject_folding(_replacement)
