"""A multiget body read as a tree without its hrefs plus the hrefs' text
(cms_dav.wsgi.multiget_scan) says what the whole tree says, or declines.

Each body here is compared with the C tree builder's reading of it: the scanned head is
the whole tree less its root-level hrefs, and the hrefs' texts (and the names the fast
listing takes from them) are the tree's. Bodies the scan cannot read exactly must be
declined (None), so the XML guard builds the whole tree as before.
"""

from __future__ import annotations

import tracemalloc
from xml.etree import ElementTree as ET

import pytest

from cms_dav.wsgi.listing_request import multiget_names
from cms_dav.wsgi.multiget_scan import scan

NS = 'xmlns:d="DAV:" xmlns:cr="urn:ietf:params:xml:ns:carddav"'
PROP = "<d:prop><d:getetag/><cr:address-data/></d:prop>"
BOOK = "/alice/book/"


def body(inside: str, root: str = "cr:addressbook-multiget", ns: str = NS,
         head: str = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    return f"{head}<{root} {ns}>{inside}</{root}>"


def hrefs(*names: str, prefix: str = "d:", between: str = "") -> str:
    return between.join(f"<{prefix}href>{BOOK}{name}</{prefix}href>" for name in names)


READ = {
    "plain": body(PROP + hrefs("a.vcf", "b.vcf")),
    "no declaration": body(PROP + hrefs("a.vcf"), head=""),
    "another prefix": body("<D:prop><D:getetag/></D:prop>" + hrefs("a.vcf", prefix="D:"),
                           ns='xmlns:D="DAV:" xmlns:cr="urn:ietf:params:xml:ns:carddav"'),
    "DAV: as the default namespace": body(
        "<prop><getetag/></prop>" + hrefs("a.vcf", prefix=""), root="C:addressbook-multiget",
        ns='xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"'),
    "indented": body("\n  " + PROP + "\n  " + hrefs("a.vcf", "b.vcf", between="\n  ") + "\n")
    + "\n",
    "names that need unquoting": body(PROP + hrefs("a%20b.vcf", "zo%C3%AB.vcf", "x.vcf")),
    "non-ASCII and markup-free odd text": body(PROP + hrefs("曾 小明.vcf", "a>b.vcf", "q?x=1")),
    "an href outside the book": body(PROP + "<d:href>/bob/other/x.vcf</d:href>"
                                     + hrefs("a.vcf")),
    "a dot segment": body(PROP + hrefs("..", "a.vcf")),
    "duplicates": body(PROP + hrefs("a.vcf", "b.vcf", "a.vcf")),
    "a blank href": body(PROP + hrefs("a.vcf") + "<d:href> \n </d:href>"),
}

DECLINED = {
    "hrefs before the prop": body(hrefs("a.vcf") + PROP),
    "a comment between hrefs": body(PROP + hrefs("a.vcf") + "<!-- x -->" + hrefs("b.vcf")),
    "an entity reference": body(PROP + "<d:href>/alice/book/a&amp;b.vcf</d:href>"),
    "a character reference": body(PROP + "<d:href>/alice/book/a&#32;b.vcf</d:href>"),
    "a CR in an href": body(PROP + "<d:href>/alice/book/a\r\nb.vcf</d:href>"),
    "an empty element href": body(PROP + hrefs("a.vcf") + "<d:href/>"),
    "an href with an attribute": body(PROP + '<d:href x="1">/alice/book/a.vcf</d:href>'),
    "an href of another namespace": body(PROP + "<x:href xmlns:x='urn:x'>a</x:href>"),
    "an href prefix bound elsewhere": body(PROP + "<x:href>/alice/book/a.vcf</x:href>",
                                           ns=NS + ' xmlns:x="urn:x"'),
    "the first href inside a comment": body("<!-- <d:href>/alice/book/z.vcf</d:href> -->"
                                            + PROP + hrefs("a.vcf")),
    "the first href inside CDATA": body("<d:prop><![CDATA[<d:href>]]></d:prop>"
                                        + hrefs("a.vcf")),
    "the hrefs inside the prop only": body("<d:prop>" + hrefs("a.vcf") + "</d:prop>"),
    "a comment before the root": "<!-- hi -->" + body(PROP + hrefs("a.vcf"), head=""),
    "a comment after the root": body(PROP + hrefs("a.vcf")) + "<!-- bye -->",
    "no href": body(PROP),
    "an href with an attribute before the run": body(
        PROP + '<d:href xml:lang="en">/alice/book/z.vcf</d:href>' + hrefs("a.vcf")),
    "an href spelt with another prefix before the run": body(
        PROP + '<e:href xmlns:e="DAV:">/alice/book/z.vcf</e:href>' + hrefs("a.vcf")),
    "an href in the prop, then the run": body("<d:prop><d:href>x</d:href></d:prop>"
                                              + hrefs("a.vcf")),
}


def _whole(text: str) -> tuple[ET.Element, list[str | None]]:
    """The tree without its root-level hrefs, and their texts, as the tree builder reads
    the body."""
    root = ET.fromstring(text)
    texts = [child.text for child in root if child.tag == "{DAV:}href"]
    for child in [child for child in root if child.tag == "{DAV:}href"]:
        root.remove(child)
    return root, texts


@pytest.mark.parametrize("name", list(READ))
def test_a_scanned_body_is_the_tree_without_its_hrefs_and_the_tree_s_href_texts(name):
    text = READ[name]
    scanned = scan(text)
    assert scanned is not None, name
    head, found = scanned
    tree, texts = _whole(text)
    assert ET.tostring(head) == ET.tostring(tree)
    assert found.texts() == texts
    assert found.count == len(texts)
    assert found.blank_count() == sum(1 for text in texts if not (text or "").strip())


@pytest.mark.parametrize("name", list(READ))
def test_the_names_from_the_scan_are_the_names_from_the_whole_tree(name):
    text = READ[name]
    scanned = scan(text)
    assert scanned is not None
    quick = multiget_names(scanned[0], "", "alice/book", scanned[1])
    whole = multiget_names(ET.fromstring(text), "", "alice/book")
    assert (quick is None) == (whole is None)
    if quick is not None and whole is not None:
        assert quick[0] == whole[0]
        assert quick[1] is None or quick[1] == frozenset(whole[0])


@pytest.mark.parametrize("name", list(DECLINED))
def test_a_body_whose_hrefs_are_not_one_plain_run_is_declined(name):
    text = DECLINED[name]
    ET.fromstring(text)  # well-formed, as every body the guard hands on
    assert scan(text) is None


def test_checking_the_run_of_hrefs_takes_no_memory_per_href():
    # a regular expression repeating a group keeps a backtracking point per repeat
    # (~200 bytes per href: 20 MB of server memory at 100k hrefs) unless possessive;
    # names to unquote are checked by that pattern (plain names are read as names)
    text = body(PROP + hrefs(*(f"card%20{number}.vcf" for number in range(20_000))))
    tracemalloc.start()
    try:
        scanned = scan(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert scanned is not None and scanned[1].count == 20_000
    assert peak < 500_000


#: READ bodies whose run is plain names under one parent, read without the pattern
PLAIN = {"plain", "no declaration", "another prefix", "DAV: as the default namespace",
         "indented", "a dot segment", "duplicates"}


@pytest.mark.parametrize("name", list(READ))
def test_a_run_of_plain_names_under_one_parent_is_read_as_the_tree_s_names(name):
    scanned = scan(READ[name])
    assert scanned is not None
    found = scanned[1]
    assert found.plain == (name in PLAIN)
    if found.plain:
        assert found.parent == BOOK
        assert [BOOK + name for name in found.names or []] == _whole(READ[name])[1]
