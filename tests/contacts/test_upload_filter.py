import logging

from radicale.item import get_etag

from cms_dav.contacts.interactions import add_interaction, parse_interactions
from cms_dav.contacts.timeline_note import TimelineOptions
from cms_dav.contacts.upload_filter import ContactUploadFilter, etag_of
from cms_dav.store.records import CollectionRecord, ItemData, ItemRecord
from tests.contacts.cards import card
from tests.contacts.test_interactions import make

BOOK = CollectionRecord(id=1, path="alice/contacts", tag="VADDRESSBOOK", props={}, modified_at=0.0,
                        sync_seq=0, sync_floor=0, sync_epoch="e")


def keep_interactions(conn, book, old, data):
    """The filter with the NOTE timeline off: only the history rules act."""
    return ContactUploadFilter(TimelineOptions(entries=0))(conn, book, old, data, actor="alice",
                                                            attested=False)


def upload(text: str, component: str = "VCARD") -> ItemData:
    return ItemData(text=text, uid="u-1", etag=etag_of(text), name="VCARD", component=component)


def stored(text: str) -> ItemRecord:
    return ItemRecord(collection_id=1, href="u-1.vcf", uid="u-1", name="VCARD", component="VCARD",
                      etag=etag_of(text), time_start=0, time_end=0, modified_at=0.0, text=text)


def test_etag_matches_radicales():
    assert etag_of("BEGIN:VCARD\r\n张\r\n") == get_etag("BEGIN:VCARD\r\n张\r\n")


def test_dropped_interactions_come_back_with_a_new_etag():
    data = upload(card("NOTE:edited"))
    result = keep_interactions(None, BOOK, stored(add_interaction(card(), make())), data)
    assert parse_interactions(result.text) == [make()] and "NOTE:edited" in result.text
    assert result.etag == etag_of(result.text) != data.etag


def test_unchanged_upload_is_returned_as_the_same_object():
    data = upload(add_interaction(card(), make()))
    assert keep_interactions(None, BOOK, stored(data.text), data) is data


def test_new_card_is_returned_as_the_same_object():
    data = upload(card())
    assert keep_interactions(None, BOOK, None, data) is data


def test_calendar_items_are_left_alone():
    data = upload("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", component="VEVENT")
    assert keep_interactions(None, BOOK, None, data) is data


def test_lint_problems_are_logged_but_the_card_is_stored_as_sent(caplog):
    data = upload(card("EMAIL:not-an-address"))
    with caplog.at_level(logging.WARNING, logger="cms_dav.contacts"):
        assert keep_interactions(None, BOOK, None, data) is data
    assert "not-an-address" in caplog.text


def test_an_upload_without_a_logged_in_user_records_new_entries_as_anonymous():
    data = upload(add_interaction(card(), make()))
    result = ContactUploadFilter(TimelineOptions(entries=0))(None, BOOK, None, data, actor="",
                                                             attested=False)
    assert [i.author for i in parse_interactions(result.text)] == ["anonymous"]
