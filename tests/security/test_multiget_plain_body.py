"""A multiget body the XML guard reads without an expat pass over the whole of it is
one expat passes, read as the tree builder reads it.

Issue 19 target 6, round nine: an ASCII multiget whose hrefs are one run of plain names
under one parent (:func:`cms_dav.wsgi.multiget_scan.scan`'s plain reading) is checked
by expat only without its run of hrefs. Each body here, and a few thousand random
edits of a plain body, must get the verdict the full check gives, and when read so,
the names the tree builder reads.
"""

from __future__ import annotations

import random
from encodings.aliases import aliases
from xml.etree import ElementTree as ET

import pytest

from cms_dav.config import Limits
from cms_dav.wsgi import xml_guard
from cms_dav.wsgi.multiget_scan import Hrefs
from cms_dav.wsgi.xml_guard import check_xml, quick_multiget_check

NS = 'xmlns:d="DAV:" xmlns:cr="urn:ietf:params:xml:ns:carddav"'
CT = "application/xml; charset=utf-8"
DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'
PROP = "<d:prop><d:getetag/><cr:address-data/></d:prop>"


def book(run: str, head: str = DECLARATION, parent: str = "/alice/book/",
         after: str = "", prop: str = PROP, encoding: str = "latin-1") -> bytes:
    hrefs = run.format(p=parent)
    return (f"{head}<cr:addressbook-multiget {NS}>{prop}{hrefs}"
            f"</cr:addressbook-multiget>{after}").encode(encoding)


NAMES = ("a", "b-1", "c_2", "d~3")
RUN = "".join(f"<d:href>{{p}}{name}.vcf</d:href>" for name in NAMES)


def spaced(gap: str) -> str:
    """RUN with ``gap`` between its hrefs."""
    return gap.join(f"<d:href>{{p}}{name}.vcf</d:href>" for name in NAMES)


def _passes_full(body: bytes) -> bool:
    try:
        check_xml(body, "REPORT", Limits())
    except ValueError:  # XmlRefused too
        return False
    return True


def _tree_names(body: bytes, parent: str) -> list[str]:
    root = ET.fromstring(body)
    return [(child.text or "")[len(parent):] for child in root if child.tag == "{DAV:}href"]


def _tree_texts(body: bytes) -> list[str]:
    return [child.text or "" for child in ET.fromstring(body) if child.tag == "{DAV:}href"]


def _tree_head(body: bytes) -> bytes:
    """The tree builder's tree of ``body`` without its root-level hrefs."""
    root = ET.fromstring(body)
    for child in [child for child in root if child.tag == "{DAV:}href"]:
        root.remove(child)
    return ET.tostring(root)


def _assert_read_as_the_tree(body: bytes, scanned: tuple[ET.Element, Hrefs]) -> None:
    """A plain reading is the tree builder's: the same head, parent + names = the texts."""
    root, hrefs = scanned
    assert ET.tostring(root) == _tree_head(body), body
    assert hrefs.parent is not None and hrefs.names is not None
    assert [hrefs.parent + name for name in hrefs.names] == _tree_texts(body), body


#: name -> (body, Content-Type, read without the whole-body pass)
BODIES: dict[str, tuple[bytes, str, bool]] = {
    "plain": (book(RUN), CT, True),
    "no declaration": (book(RUN, head=""), CT, True),
    "no charset": (book(RUN), "application/xml", True),
    "whitespace between hrefs": (book(RUN.replace("</d:href>", "</d:href>\r\n\t ")), CT,
                                 True),
    "whitespace after the root": (book(RUN, after="\n \n"), CT, True),
    "a Latin-1 charset": (book(RUN), "text/xml; charset=ISO-8859-1", True),
    "a US-ASCII declaration": (book(RUN, head='<?xml version="1.0" encoding="US-ASCII"?>'),
                               CT, True),
    "a control character in the parent": (book(RUN, parent="/alice/bo\x01ok/"), CT, False),
    "]]> in the parent": (book(RUN, parent="/alice/]]>/"), CT, False),
    "> in the parent": (book(RUN, parent="/alice/a>b/"), CT, True),
    "a UTF-16 declaration": (book(RUN, head='<?xml version="1.0" encoding="UTF-16"?>'), CT,
                             False),
    "an EBCDIC declaration": (book(RUN, head='<?xml version="1.0" encoding="cp037"?>'), CT,
                              False),
    "a cp1252 declaration (read alike, but not one of expat's own)": (
        book(RUN, head='<?xml version="1.0" encoding="windows-1252"?>'), CT, False),
    "a UTF-16 charset": (book(RUN), "application/xml; charset=utf-16", False),
    "a cp1252 charset": (book(RUN), "application/xml; charset=cp1252", False),
    "an internal DTD": (book(RUN, head='<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>'),
                        CT, False),
    "an external DTD": (book(RUN, head='<!DOCTYPE x SYSTEM "http://example.org/x">'), CT,
                        False),
    "a DTD after the declaration": (book(RUN, head=DECLARATION + "<!DOCTYPE x>"), CT, False),
    "a DTD after a comment": (book(RUN, head="<!-- c --><!DOCTYPE x [<!ENTITY a 'b'>]>"), CT,
                              False),
    "an unbound href prefix": (book(RUN.replace("d:href", "x:href")), CT, False),
    "an unbound prefix in the head": (book("<y:z/>" + RUN), CT, False),
    "junk after the root": (book(RUN, after="x"), CT, False),
    "a comment after the root": (book(RUN, after="<!-- c -->"), CT, False),
    "a mismatched end of an href": (book(RUN + "<d:href>{p}e.vcf</d:hre>"), CT, False),
    "an entity in an href": (book(RUN + "<d:href>{p}a&amp;b.vcf</d:href>"), CT, False),
    "a non-ASCII name": (book(RUN + "<d:href>{p}zo\xeb.vcf</d:href>"),
                         "application/xml; charset=iso-8859-1", False),
    "a name to unquote": (book(RUN + "<d:href>{p}a%20b.vcf</d:href>"), CT, False),
    "another parent": (book(RUN + "<d:href>/bob/book/a.vcf</d:href>"), CT, False),
    "text between hrefs": (book(RUN.replace("</d:href><d:href>", "</d:href>x<d:href>")), CT,
                           False),
    # the declared encoding: HZ reads ASCII as ASCII but "~" (in "d~3") shifts to GB2312
    "an HZ declaration": (book(RUN, head='<?xml version="1.0" encoding="hz"?>'), CT, False),
    # the parent: the length proof needs matches without whitespace
    "a space in the parent": (book(RUN, parent="/alice/my book/"), CT, False),
    "a space in the parent and as many bare & as spaces": (
        book(spaced("&") + "&", parent="/alice/my book/"), CT, False),
    "< in the parent": (book(RUN, parent="/alice/a<b/"), CT, False),
    "& in the parent": (book(RUN, parent="/alice/a&amp;b/"), CT, False),
    # after the root's end tag: only whitespace (XML 1.0 §2.3 S, §2.8 Misc)
    "junk after the root and whitespace": (book(RUN, after="x\n"), CT, False),
    "a PI after the root": (book(RUN, after="<?pi x?>"), CT, False),
    "a second element after the root": (book(RUN, after="<d:href>/a.vcf</d:href>"), CT,
                                        False),
    "a second root end tag": (book(RUN, after="</cr:addressbook-multiget>"), CT, False),
    "a mismatched root end tag": (book(RUN).replace(b"</cr:addressbook-multiget>",
                                                    b"</cr:addressbook-multi>"), CT, False),
    "\\x0b after the root": (book(RUN, after="\x0b"), CT, False),
    "\\x0c after the root": (book(RUN, after="\n\x0c"), CT, False),
    "\\x1c after the root (str.isspace)": (book(RUN, after="\x1c"), CT, False),
    # between hrefs: XML's whitespace (the gap is non-zero) and only that
    "a tab between hrefs": (book(spaced("\t")), CT, True),
    "a CR between hrefs": (book(spaced("\r")), CT, True),
    "an LF between hrefs": (book(spaced("\n")), CT, True),
    "a space between hrefs": (book(spaced(" ")), CT, True),
    "\\x0b between hrefs": (book(spaced("\x0b")), CT, False),
    "\\x0c between hrefs": (book(spaced("\n\x0c")), CT, False),
    "a Latin-1 NBSP between hrefs": (book(spaced("\xa0")), "text/xml; charset=iso-8859-1",
                                     False),
    # the head: ASCII only (read as ASCII by every path)
    "non-ASCII UTF-8 in the head": (book(RUN, prop=PROP.replace(
        "<d:getetag/>", '<x:z xmlns:x="urn:zo\xeb"/>'), encoding="utf-8"), CT, False),
}


@pytest.mark.parametrize("name", list(BODIES))
def test_a_body_read_without_the_whole_pass_is_one_the_full_check_passes(name):
    body, content_type, plain = BODIES[name]
    scanned = xml_guard._plain_body(body, content_type)
    assert (scanned is not None) == plain
    if scanned is not None:
        assert _passes_full(body), name
        _assert_read_as_the_tree(body, scanned)
    parsed = quick_multiget_check(body, content_type, Limits())
    if parsed is not None:
        assert _passes_full(body), name
    if plain:
        assert parsed is not None and parsed.hrefs is not None
        parent = parsed.hrefs.parent or ""
        assert parsed.hrefs.names == _tree_names(body, parent)


@pytest.mark.parametrize("encoding", sorted(set(aliases) | set(aliases.values())))
def test_no_declared_encoding_lets_the_plain_reading_pass_what_the_full_check_refuses(
        encoding):
    for run in (RUN, spaced("\r\n\t ")):
        body = book(run, head=f'<?xml version="1.0" encoding="{encoding}"?>')
        scanned = xml_guard._plain_body(body, CT)
        if scanned is not None:
            assert _passes_full(body), body
            _assert_read_as_the_tree(body, scanned)


def _edits(rng: random.Random, body: bytes) -> bytes:
    """``body`` with one to three random characters inserted, deleted or replaced in
    its run of hrefs and its end."""
    start = body.index(b"<d:href>")
    data = bytearray(body)
    alphabet = b"<>&/;]!-?:= \t\r\nabdfhr.~_9\x00\x01\x0b\x7f"
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(start, len(data))
        what = rng.randrange(3)
        if what == 0:
            data.insert(at, rng.choice(alphabet))
        elif what == 1 and len(data) > start + 1:
            del data[at]
        else:
            data[at] = rng.choice(alphabet)
    return bytes(data)


def test_random_edits_of_a_plain_body_get_the_full_check_s_verdict_and_the_tree_s_names():
    rng = random.Random(19)
    base = book(RUN.replace("</d:href>", "</d:href>\n"))
    read_plain = 0
    for _ in range(4000):
        body = _edits(rng, base)
        scanned = xml_guard._plain_body(body, CT)
        if scanned is None:
            continue
        read_plain += 1
        assert _passes_full(body), body
        _assert_read_as_the_tree(body, scanned)
        hrefs = scanned[1]
        assert hrefs.names == _tree_names(body, hrefs.parent or ""), body
        assert [hrefs.parent + name for name in hrefs.names] == hrefs.texts(), body
    assert read_plain > 100  # the edits that keep the run plain (whitespace, names)
