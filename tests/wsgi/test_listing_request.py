"""Which request bodies the fast layer takes, and how it reads multiget hrefs."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from cms_dav.config import ConfigError, load_settings
from cms_dav.wsgi.listing_request import GETETAG, propfind_request, report_request

MULTIGET = ('<cr:addressbook-multiget xmlns:d="DAV:" xmlns:cr="urn:ietf:params:xml:ns:carddav">'
            '<d:prop><d:getetag/><cr:address-data/></d:prop>{refs}</cr:addressbook-multiget>')


def multiget(*hrefs: str, base_prefix: str = "") -> tuple[str, ...] | None:
    refs = "".join(f"<d:href>{href}</d:href>" for href in hrefs)
    request = report_request(ET.fromstring(MULTIGET.format(refs=refs)), base_prefix,
                             "alice/contacts")
    return None if request is None else request.names


def test_multiget_hrefs_are_read_as_radicale_reads_them():
    assert multiget("/alice/contacts/a%20b.vcf", "http://h:1/alice/contacts/x.vcf?q=1",
                    "/alice/contacts/./y.vcf", "/alice/contacts/a%20b.vcf") == \
        ("a b.vcf", "x.vcf", "y.vcf")


def test_multiget_hrefs_keep_the_base_prefix_out_of_the_name():
    assert multiget("/dav/alice/contacts/x.vcf", base_prefix="/dav") == ("x.vcf",)


def test_a_multiget_href_outside_the_collection_leaves_the_request_to_radicale():
    assert multiget("/alice/contacts/x.vcf", "/bob/contacts/y.vcf") is None


def test_a_multiget_of_the_collection_itself_leaves_the_request_to_radicale():
    assert multiget("/alice/contacts/") is None


def test_calendar_data_with_a_component_filter_leaves_the_request_to_radicale():
    body = ('<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
            '<d:prop><c:calendar-data><c:comp name="VCALENDAR"/></c:calendar-data></d:prop>'
            '<d:href>/alice/cal/x.ics</d:href></c:calendar-multiget>')
    assert report_request(ET.fromstring(body), "", "alice/cal") is None


QUERY = ('<cr:addressbook-query xmlns:d="DAV:" xmlns:cr="urn:ietf:params:xml:ns:carddav">'
         '<d:prop>{props}</d:prop><cr:filter><cr:prop-filter name="ORG"><cr:text-match>'
         '科技</cr:text-match></cr:prop-filter></cr:filter></cr:addressbook-query>')


def test_an_addressbook_query_for_etags_is_taken_with_its_filter():
    request = report_request(ET.fromstring(QUERY.format(props="<d:getetag/>")), "",
                             "alice/contacts")
    assert request is not None and request.kind == "query"
    assert [f.tag for f in request.filters] == ["{urn:ietf:params:xml:ns:carddav}filter"]


def test_an_addressbook_query_for_card_text_is_left_to_radicale():
    body = QUERY.format(props="<d:getetag/><cr:address-data/>")
    assert report_request(ET.fromstring(body), "", "alice/contacts") is None


def test_propfind_of_getetag_is_taken_and_allprop_is_not():
    taken = propfind_request(ET.fromstring(
        '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>'))
    assert taken is not None and taken.props == (GETETAG,)
    assert propfind_request(ET.fromstring(
        '<d:propfind xmlns:d="DAV:"><d:allprop/></d:propfind>')) is None


def test_propfind_of_getcontentlength_is_left_to_radicale():
    assert propfind_request(ET.fromstring(
        '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:getcontentlength/></d:prop>'
        '</d:propfind>')) is None


def test_fast_listing_is_on_unless_the_config_turns_it_off(tmp_path):
    assert load_settings(data_dir=tmp_path).fast_listing is True
    config = tmp_path / "off.conf"
    config.write_text("[server]\nfast_listing = false\n", encoding="utf-8")
    assert load_settings(data_dir=tmp_path, config_file=config).fast_listing is False


def test_a_fast_listing_value_that_is_not_a_boolean_is_named_in_the_error(tmp_path):
    config = tmp_path / "bad.conf"
    config.write_text("[server]\nfast_listing = maybe\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="fast_listing"):
        load_settings(data_dir=tmp_path, config_file=config)
