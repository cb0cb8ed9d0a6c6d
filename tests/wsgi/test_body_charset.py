"""One reading of a request's ``charset=`` for every layer (cms_dav.wsgi.body_charset),
with its deliberate differences: PUT bodies never fail to decode (as Radicale), the
fast listing path reads only the declared charset or UTF-8."""

from __future__ import annotations

from cms_dav.wsgi.body_charset import (charset_problem, decode_as_radicale,
                                       decode_strictly, declared_charset)

LATIN1_BODY = "NOTE:café".encode("iso-8859-1")


def test_a_quoted_charset_is_read_without_its_quotes():
    assert declared_charset('text/vcard; charset="iso-8859-1"; x=y') == "iso-8859-1"


def test_radicale_reads_a_quoted_charset_as_the_same_codec():
    # Radicale passes the quotes on to bytes.decode, whose codec lookup ignores them
    assert LATIN1_BODY.decode('"iso-8859-1"') == decode_as_radicale(
        LATIN1_BODY, 'text/vcard; charset="iso-8859-1"')


def test_an_unknown_charset_is_named_without_quotes():
    assert charset_problem('text/vcard; charset="klingon"') == \
        "unknown charset 'klingon' in Content-Type"


def test_a_known_charset_is_no_problem():
    assert charset_problem("text/vcard; charset=UTF-8") is None
    assert charset_problem("text/vcard") is None


def test_a_put_body_in_the_declared_charset_is_decoded_with_it():
    body = "NOTE:Zürich".encode("utf-16")
    assert decode_as_radicale(body, "text/vcard; charset=utf-16") == "NOTE:Zürich"


def test_a_put_body_that_is_not_utf8_falls_back_to_iso_8859_1_as_radicale_does():
    assert decode_as_radicale(LATIN1_BODY, "text/vcard") == "NOTE:café"


def test_a_put_body_with_an_unknown_charset_is_read_as_utf8():
    assert decode_as_radicale("NOTE:é".encode(), "text/vcard; charset=klingon") == "NOTE:é"


def test_the_listing_path_reads_the_declared_charset():
    assert decode_strictly(LATIN1_BODY, "application/xml; charset=latin-1") == "NOTE:café"


def test_the_listing_path_leaves_a_body_it_cannot_read_as_utf8_to_radicale():
    assert decode_strictly(LATIN1_BODY, "application/xml") is None
