"""A multiget body read as its head (a small tree) and its run of hrefs (text), with no
element per href.

A multiget of every card of a 100k-card book is 100k ``DAV:href`` elements after a
short ``DAV:prop``. As a C ElementTree that is ~17 MB of server memory and, at 10k,
~13 ms of CPU for the tree plus ~11 ms to walk it for the names (issue 19 targets 6, 7).
Almost every client sends the hrefs as one run of ``<D:href>path</D:href>`` elements
directly under the root, after the prop (RFC 6352 §8.7, RFC 4791 §9.10). Such a body is
read here as:

- its head: everything before the first href, parsed by the C tree builder with the
  root closed after it (so ``root`` is the request without its hrefs);
- its hrefs: the rest of the text, checked by one regular expression to be only
  ``<Q>text</Q>`` elements (``Q`` the first href's qualified name, which the head's
  parse confirms is ``DAV:href`` in the root's scope), whitespace and the root's end
  tag. The texts hold no ``<``, ``&`` or CR, so each is the element's text exactly as
  the tree builder would give it (no entity, no line-end normalisation, RFC 4918 §8.3's
  href is character data).

Only bodies the XML guard's expat pass found well-formed and free of DTDs come here,
so the head can be cut only at the root's element content: a cut inside a comment,
CDATA section, processing instruction or a nested element leaves a head that does not
parse, and the body takes the tree path (:func:`scan` returns None). Any other shape
(hrefs before the prop, comments between hrefs, entity references) does too.
"""

from __future__ import annotations

import re
from functools import lru_cache
from xml.etree import ElementTree as ET

DAV_HREF = "{DAV:}href"
_SPACE = "[ \t\r\n]*"
#: the XML declaration (if any) and the root's qualified name
_ROOT = re.compile(r"[ \t\r\n]*(?:<\?xml[^<>]*\?>)?[ \t\r\n]*"
                   r"<([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)[ \t\r\n/>]")
#: the first element named ``href`` with no attributes
_FIRST_HREF = re.compile(r"<((?:[A-Za-z_][\w.-]*:)?href)>")


class Hrefs:
    """The run of href elements of a multiget body, kept as the body's text from
    ``start`` on (not a copy: 5.6 MB at 100k hrefs). ``parent`` and ``names``: when
    every href of the run is ``parent`` + a plain name (:func:`_plain_run`), the run was
    read as those names (then ``count`` is theirs, and no href is blank)."""

    def __init__(self, text: str, start: int, qname: str, root_qname: str,
                 parent: str | None = None, names: list[str] | None = None) -> None:
        self.text = text
        self.start = start
        self.open = f"<{qname}>"
        self.close = f"</{qname}>"
        self.root_close = f"</{root_qname}>"
        self.parent = parent
        self.names = names
        #: href elements in the run (no text holds ``<``: each ``<Q>`` opens one)
        self.count = len(names) if names is not None else text.count(self.open, start)

    @property
    def plain(self) -> bool:
        """The run is plain names under one parent (:func:`_plain_run`)."""
        return self.names is not None

    def texts(self) -> list[str]:
        """Each href's text, in document order (never empty: see :func:`_run_pattern`)."""
        return _text_pattern(self.open, self.close).findall(self.text, self.start)

    def blank_count(self) -> int:
        """Hrefs whose text is only whitespace (RFC 4918 §14.7 wants a URL)."""
        if self.names is not None:
            return 0  # each is parent + a name of no whitespace, never empty
        blank = re.compile(re.escape(self.open) + "[ \t\n]+" + re.escape(self.close))
        return len(blank.findall(self.text, self.start))

    def names_under(self, parent: str) -> list[str] | None:
        """The names after ``parent`` when every href is ``parent`` + a name of
        ``[A-Za-z0-9_.~-]`` (the common case: no percent-escape or dot segment to
        undo), in document order; None when any href is not (ask each href then)."""
        if self.names is not None and self.parent == parent:
            names = self.names  # read with the run (issue 19 target 6, round nine)
        else:
            pattern = re.compile(re.escape(self.open + parent) + r"([A-Za-z0-9_.~-]+)"
                                 + re.escape(self.close))
            names = pattern.findall(self.text, self.start)
        if len(names) != self.count or "." in names or ".." in names:
            return None
        return names


@lru_cache(maxsize=16)
def _text_pattern(opening: str, closing: str) -> re.Pattern[str]:
    return re.compile(re.escape(opening) + "([^<&\r]+)" + re.escape(closing))


@lru_cache(maxsize=16)
def _run_pattern(qname: str, root_qname: str) -> re.Pattern[str]:
    """The run: hrefs with text of no ``<``, ``&`` or CR, whitespace, the root's end.
    The repeat is possessive (``*+``): a plain ``*`` keeps a backtracking point per
    href, ~20 MB at 100k hrefs; giving an href back could never let the end match."""
    opening, closing = re.escape(f"<{qname}>"), re.escape(f"</{qname}>")
    return re.compile(f"(?:{_SPACE}{opening}[^<&\r]+{closing})*+{_SPACE}"
                      f"{re.escape(f'</{root_qname}>')}{_SPACE}")


#: the characters of a plain name (listing_request's ``_PLAIN_NAME``)
_NAME = r"([A-Za-z0-9_.~-]+)"
#: a parent path for :func:`_plain_run`: printable ASCII but space, ``&`` and ``<``
_PARENT = re.compile(r"[!-%'-;=-~]*")
#: the root's end tag and the whitespace after it, from the body's last ``<`` on
_SPACES = " \t\r\n"


def _plain_run(text: str, start: int, qname: str, root_qname: str
               ) -> tuple[str, list[str]] | None:
    """The run from ``start`` (the first href) to the root's end tag, read as one
    parent and the names under it, when every href is ``<Q>`` parent + a plain name
    ``</Q>`` (``Q`` = ``qname``) with only whitespace between them: the parent is the
    first href's text up to its last "/", the names are one ``findall``, and the run
    is proved to hold nothing else by length (issue 19 target 6, round nine): the
    matches are disjoint and hold no whitespace, so they fill the run but for its
    whitespace exactly when their lengths and the run's whitespace add up to the run's
    length. One pass over the run instead of :func:`_run_pattern`'s ``fullmatch``
    and then :meth:`Hrefs.names_under`'s ``findall``. None when the run is not so
    (the caller checks it by the pattern)."""
    opening, closing = f"<{qname}>", f"</{qname}>"
    first_end = text.find(closing, start)
    if first_end < 0:
        return None
    first = text[start + len(opening):first_end]
    parent = first[:first.rfind("/") + 1]
    if not _PARENT.fullmatch(parent) or "]]>" in parent:
        return None
    end = text.rfind("<")
    if end < start or text[end:].rstrip(_SPACES) != f"</{root_qname}>":
        return None
    pattern = re.compile(re.escape(opening + parent) + _NAME + re.escape(closing))
    names = pattern.findall(text, start, end)
    gap = end - start - len(names) * len(opening + parent + closing) - \
        sum(map(len, names))
    if gap and gap != sum(text.count(space, start, end) for space in _SPACES):
        return None
    return parent, names


def scan(text: str) -> tuple[ET.Element, Hrefs] | None:
    """The tree of ``text`` without its hrefs, and the hrefs; None when the body is not
    one run of plain hrefs at the end of the root (the caller builds the whole tree)."""
    root_match = _ROOT.match(text)
    if root_match is None:
        return None
    root_qname = root_match.group(1)
    href_match = _FIRST_HREF.search(text, root_match.end())
    if href_match is None:
        return None
    qname, start = href_match.group(1), href_match.start()
    plain = _plain_run(text, start, qname, root_qname)
    if plain is None and _run_pattern(qname, root_qname).fullmatch(text, start) is None:
        return None
    try:
        root = ET.fromstring(f"{text[:start]}<{qname}/></{root_qname}>")  # head_document
    except ET.ParseError:
        return None  # cut inside a comment, CDATA, a PI or a nested element
    if not len(root) or root[-1].tag != DAV_HREF or root[-1].attrib:
        return None
    root.remove(root[-1])
    if root.find(DAV_HREF) is not None:
        return None  # an href in the head (with attributes, or spelt otherwise)
    if plain is None:
        return root, Hrefs(text, start, qname, root_qname)
    return root, Hrefs(text, start, qname, root_qname, *plain)


def head_document(hrefs: Hrefs) -> str:
    """The body without its run of hrefs: its head, one empty href and the root's end
    (what :func:`scan` parses as the tree)."""
    return f"{hrefs.text[:hrefs.start]}{hrefs.open[:-1]}/>{hrefs.root_close}"
