"""vobject's line unfolding without its regex, so a 1 MB item costs ~1 MB to unfold.

``vobject.base.getLogicalLines(fp, allowQP=False)`` (what ``readComponents`` uses)
matches each logical line with ``(?: [^\\r\\n] | wrap )*``; Python's regex engine keeps
a backtracking entry per character, so one 900 KB PHOTO line costs ~125 MB of memory
(7.5 MB: over 1 GB, the issue's finding). This replacement yields the same lines and
line numbers with plain string operations. The ``allowQP=True`` path is left as is.
"""

from __future__ import annotations

import re
import threading
from typing import Any, Callable, Iterator

import vobject.base

_LINE_END = re.compile(r"\r\n|\r|\n")
#: vobject's own function, kept for the differential test
ORIGINAL: Callable[..., Iterator[tuple[str, int]]] = vobject.base.getLogicalLines
_installed = False
_lock = threading.Lock()


def logical_lines(text: str) -> Iterator[tuple[str, int]]:
    """(unfolded line, line number as vobject counts it); empty lines are skipped, as
    vobject does (RFC 6350 §3.2, RFC 5545 §3.1: a line end plus one space or tab folds).

    vobject's numbers advance by the physical lines a logical line spans plus one (its
    regex also counts the end of each match); they are kept so error messages agree.
    """
    segments = _LINE_END.split(text)
    last = len(segments) - 1
    number = 1
    parts: list[str] = []
    spanned = 0
    for index, physical in enumerate(segments):
        if parts and physical[:1] in (" ", "\t"):
            parts.append(physical[1:])
            spanned += 1
            continue
        if parts:
            line = "".join(parts)
            if line:
                yield line, number
            number += spanned + 1      # its physical lines, each ended by a line end, + 1
        parts, spanned = [physical], 1
        if index == last:
            break
    if parts:
        line = "".join(parts)
        if line:
            yield line, number


def _replacement(original: Callable[..., Iterator[tuple[str, int]]]
                 ) -> Callable[..., Iterator[tuple[str, int]]]:
    def getLogicalLines(fp: Any, allowQP: bool = True) -> Iterator[tuple[str, int]]:
        if allowQP:
            return original(fp, allowQP)
        return logical_lines(fp.read(-1))
    getLogicalLines.__doc__ = original.__doc__
    return getLogicalLines


def install() -> None:
    """Swap vobject's unfolding for :func:`logical_lines`, once per process."""
    global _installed
    with _lock:
        if not _installed:
            if not callable(getattr(vobject.base, "getLogicalLines", None)):
                raise RuntimeError("vobject.base.getLogicalLines is gone: "
                                   "cms_dav.limits.vobject_lines needs updating")
            vobject.base.getLogicalLines = _replacement(  # type: ignore[assignment]  # vobject only iterates it
                vobject.base.getLogicalLines)
            _installed = True
