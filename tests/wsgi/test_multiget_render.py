"""The fast multiget's page rendering (``RowRenderer.render_all`` for getetag and
address-data) says what rendering each row on its own says, whatever the rows hold.

The page path asks once per page whether every href is a plain name, no ETag needs
escaping or holds the NUL it splits on, and no text needs escaping
(``_plain_hrefs_and_etags``, ``_plain_texts``); these pages each break that in one
row, so the answer must still be the generic per-row rendering
(:meth:`RowRenderer.render`, the one for any props) of every row.
"""

from __future__ import annotations

import pytest

from cms_dav.wsgi import multistatus_stream as ms
from cms_dav.wsgi.fast_multiget import RowRenderer
from cms_dav.wsgi.listing_request import ADDRESS_DATA, GETETAG, REPORT_PROPS

PROPS = (GETETAG, ADDRESS_DATA)
CARD = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Plain\r\nEND:VCARD\r\n"
PLAIN = [(f"card-{n}.vcf", f'"{n:064x}"', CARD) for n in range(5)]

PAGES = {
    "plain rows": PLAIN,
    "a name to quote": PLAIN + [("a b.vcf", '"e"', CARD)],
    "a non-ASCII name": [("zoë.vcf", '"e"', CARD)] + PLAIN,
    "a name with a slash": PLAIN[:2] + [("x/y.vcf", '"e"', CARD)] + PLAIN[2:],
    "a name with XML markup": PLAIN + [("x&y.vcf", '"e"', CARD)],
    "an ETag with markup": PLAIN + [("z.vcf", '"a&<b>"', CARD)],
    "an ETag with a NUL": PLAIN + [("n.vcf", '"a\0b"', CARD)] + PLAIN,
    "a non-ASCII ETag": PLAIN + [("u.vcf", '"zoë"', CARD)],
    "a text with markup": PLAIN + [("t.vcf", '"e"', b"NOTE:Tom & Jerry <cat> > mouse\r\n")],
    "a text as a memoryview": PLAIN + [("m.vcf", '"e"', memoryview(b"NOTE:x & y"))],
    "one row": PLAIN[:1],
    "no row": [],
}


@pytest.mark.parametrize("name", list(PAGES))
def test_a_page_renders_as_its_rows_rendered_one_by_one(name):
    writer = ms.ResponseWriter("/dav", "alice/book", PROPS, REPORT_PROPS)
    renderer = RowRenderer("text", writer, PROPS, REPORT_PROPS)
    rows = PAGES[name]
    expected = b"".join(RowRenderer.render(renderer, row) for row in rows)
    assert renderer.render_all(rows) == expected
