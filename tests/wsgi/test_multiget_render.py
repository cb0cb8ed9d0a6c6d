"""The fast multiget's page rendering (``RowRenderer.render_all`` for getetag and
address-data) says what rendering each row on its own says, whatever the rows hold.

The page path asks once per page whether every href is a plain name, no ETag needs
escaping or holds the NUL it splits on, and no text needs escaping (every row's
stored ``xml_plain`` flag, else ``_plain_texts``: ``_plain_hrefs_and_etags``); these
pages each break that in one row, so the answer must still be the generic per-row
rendering (:meth:`RowRenderer.render`, the one for any props, which escapes every
text whatever its flag) of every row. A row is (href, ETag, text, flag) as the store
reads it: the flag is what the write stored (:func:`is_xml_plain`).
"""

from __future__ import annotations

import pytest

from cms_dav.store.xml_plain import is_xml_plain
from cms_dav.wsgi import multistatus_stream as ms
from cms_dav.wsgi.fast_multiget import RowRenderer
from cms_dav.wsgi.listing_request import ADDRESS_DATA, GETETAG, REPORT_PROPS

PROPS = (GETETAG, ADDRESS_DATA)
CARD = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Plain\r\nEND:VCARD\r\n"
PLAIN = [(f"card-{n}.vcf", f'"{n:064x}"', CARD, True) for n in range(5)]
MARKUP = b"NOTE:Tom & Jerry <cat> > mouse\r\n"

PAGES = {
    "plain rows": PLAIN,
    "a name to quote": PLAIN + [("a b.vcf", '"e"', CARD, True)],
    "a non-ASCII name": [("zoë.vcf", '"e"', CARD, True)] + PLAIN,
    "a name with a slash": PLAIN[:2] + [("x/y.vcf", '"e"', CARD, True)] + PLAIN[2:],
    "a name with XML markup": PLAIN + [("x&y.vcf", '"e"', CARD, True)],
    "an ETag with markup": PLAIN + [("z.vcf", '"a&<b>"', CARD, True)],
    "an ETag with a NUL": PLAIN + [("n.vcf", '"a\0b"', CARD, True)] + PLAIN,
    "a non-ASCII ETag": PLAIN + [("u.vcf", '"zoë"', CARD, True)],
    "a text with markup": PLAIN + [("t.vcf", '"e"', MARKUP, is_xml_plain(MARKUP.decode()))],
    "a text with markup, one of each": PLAIN + [
        (f"{c}.vcf", '"e"', b"NOTE:" + c.encode(), is_xml_plain(c)) for c in "&<>"],
    "a plain text not flagged (written before the flag)": PLAIN + [("f.vcf", '"e"', CARD, False)],
    "a text with markup not flagged": PLAIN + [("g.vcf", '"e"', MARKUP, False)],
    "a text as a memoryview": PLAIN + [("m.vcf", '"e"', memoryview(b"NOTE:x & y"), False)],
    "one row": PLAIN[:1],
    "no row": [],
}


def test_the_flag_is_true_only_for_a_text_without_any_of_the_three_characters():
    assert is_xml_plain("BEGIN:VCARD\r\nFN:Zoë 'quoted' \"too\"\r\nEND:VCARD\r\n")
    assert not any(is_xml_plain(f"NOTE:a{c}b") for c in "&<>")


@pytest.mark.parametrize("name", list(PAGES))
def test_a_page_renders_as_its_rows_rendered_one_by_one(name):
    writer = ms.ResponseWriter("/dav", "alice/book", PROPS, REPORT_PROPS)
    renderer = RowRenderer("text", writer, PROPS, REPORT_PROPS)
    rows = PAGES[name]
    expected = b"".join(RowRenderer.render(renderer, row) for row in rows)
    assert renderer.render_all(rows) == expected
