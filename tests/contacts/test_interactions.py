from datetime import date, datetime, timedelta, timezone

import pytest
import vobject

from cms_dav.contacts.errors import CardFormatError, InteractionError
from cms_dav.contacts.interactions import (
    Interaction, add_interaction, decode_value, encode_property, merge_preserving_interactions,
    new_interaction, parse_interactions, remove_interaction,
)
from tests.contacts.cards import card

AT = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)


def make(id_: str = "i-1", text: str = "Discussed renewal, next step: quote", **kw) -> Interaction:
    values = dict(id=id_, kind="call", at=AT, author="alice", follow_up=date(2026, 12, 1),
                  text=text)
    values.update(kw)
    return Interaction(**values)


def test_encoded_property_puts_all_data_in_the_escaped_value():
    assert encode_property(make()) == (
        "X-CMS-INTERACTION:i-1;call;20261120T100000Z;alice;20261201;"
        "Discussed renewal\\, next step: quote")


def test_missing_follow_up_is_an_empty_component():
    assert parse_interactions(add_interaction(card(), make(follow_up=None)))[0].follow_up is None


def test_time_is_stored_in_utc():
    local = datetime(2026, 11, 20, 11, 0, tzinfo=timezone(timedelta(hours=1)))
    assert make(at=local).at == AT


def test_naive_time_is_rejected():
    with pytest.raises(InteractionError, match="timezone-aware"):
        make(at=datetime(2026, 11, 20, 10, 0))


def test_unknown_kind_is_rejected_with_the_allowed_kinds():
    with pytest.raises(InteractionError, match="call, meeting, email, visit, note"):
        make(kind="lunch")


def test_author_with_semicolon_is_rejected():
    with pytest.raises(InteractionError, match="author"):
        make(author="a;b")


def test_carriage_returns_in_text_become_newlines():
    assert make(text="a\r\nb\rc").text == "a\nb\nc"


def test_new_interaction_gets_a_unique_id():
    assert new_interaction("note", "bob", "x").id != new_interaction("note", "bob", "x").id


def test_vobject_reserialized_value_still_decodes():
    original = make(text="a;b, c\\d\nline")
    stored = vobject.readOne(add_interaction(card(), original)).serialize()
    assert "\\;call\\;" in stored  # vobject escaped our separators
    assert parse_interactions(stored) == [original]


def test_value_with_too_few_parts_names_the_problem():
    with pytest.raises(InteractionError, match="6 ';'-separated parts"):
        decode_value("i-1;call;20261120T100000Z")


def test_bad_datetime_names_the_problem():
    with pytest.raises(InteractionError, match="bad date-time"):
        decode_value("i-1;call;2026-11-20;alice;;x")


def test_lenient_parse_skips_damaged_entries():
    text = card("X-CMS-INTERACTION:i-9;call;garbage;alice;;x", encode_property(make()))
    assert parse_interactions(text, strict=False) == [make()]


def test_adding_a_duplicate_id_is_refused():
    with pytest.raises(InteractionError, match="already has"):
        add_interaction(add_interaction(card(), make()), make())


def test_add_keeps_the_cards_line_ending():
    assert "\r\n" not in add_interaction(card(eol="\n"), make())


def test_add_to_text_that_is_not_a_vcard_raises():
    with pytest.raises(CardFormatError):
        add_interaction("hello", make())


def test_remove_deletes_only_that_interaction_and_keeps_other_bytes():
    base = card("NOTE:keep me")
    both = add_interaction(add_interaction(base, make("i-1", "x" * 200)), make("i-2"))
    assert remove_interaction(remove_interaction(both, "i-1"), "i-2") == base


def test_removing_an_unknown_id_is_an_error():
    with pytest.raises(InteractionError, match="no interaction with id 'i-404'"):
        remove_interaction(card(), "i-404")


def test_merge_restores_interactions_a_client_dropped():
    stored = add_interaction(add_interaction(card("NOTE:old"), make("i-1")), make("i-2"))
    uploaded = card("NOTE:edited by client")
    merged, changed = merge_preserving_interactions(stored, uploaded)
    assert changed
    assert [i.id for i in parse_interactions(merged)] == ["i-1", "i-2"]
    assert "NOTE:edited by client" in merged and "NOTE:old" not in merged


def test_merge_keeps_the_clients_bytes_before_the_inserted_lines():
    stored = add_interaction(card(), make())
    uploaded = card("NOTE:x", eol="\n")
    merged, _ = merge_preserving_interactions(stored, uploaded)
    assert merged.startswith(uploaded[: -len("END:VCARD\n")])
    assert merged.endswith("END:VCARD\n")


def test_merge_without_missing_interactions_returns_upload_unchanged():
    uploaded = add_interaction(card("NOTE:new"), make())
    stored = add_interaction(card(), make())
    assert merge_preserving_interactions(stored, uploaded) == (uploaded, False)


def test_merge_of_a_new_card_changes_nothing():
    assert merge_preserving_interactions(None, card()) == (card(), False)


def test_merge_keeps_the_stored_version_of_an_interaction_the_client_changed():
    uploaded = add_interaction(card(), make(text="client edit"))
    merged, changed = merge_preserving_interactions(add_interaction(card(), make()), uploaded)
    assert (parse_interactions(merged)[0].text, changed) == (make().text, True)


def test_merge_reads_a_stored_card_reserialized_by_vobject():
    stored = vobject.readOne(add_interaction(card(), make(text="a;b"))).serialize()
    merged, changed = merge_preserving_interactions(stored, card())
    assert changed and parse_interactions(merged) == [make(text="a;b")]


def test_merge_rejects_a_broken_upload():
    with pytest.raises(CardFormatError):
        merge_preserving_interactions(card(), "BEGIN:VCARD\r\nFN:x\r\n")
