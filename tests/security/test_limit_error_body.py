"""A refusal's DAV error body carries its reason as XML character data (RFC 4918 §16)."""

from __future__ import annotations

from xml.etree.ElementTree import fromstring

from cms_dav.limits.errors import error_xml


def test_the_description_of_a_refusal_is_escaped_xml_text() -> None:
    body = error_xml("CR:max-resource-size", 'over 1 MB <vCard> & "photo" > limit')
    description = fromstring(body).find("{urn:cms-dav:errors}description")
    assert description is not None
    assert description.text == 'over 1 MB <vCard> & "photo" > limit'
