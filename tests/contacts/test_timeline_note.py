"""Issue 14 item 4: the timeline block in NOTE, as text (the HTTP tests are in
test_timeline_note_http.py)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from cms_dav.contacts.interactions import parse_interactions
from cms_dav.contacts.timeline_note import BOOK_PROPERTY, TimelineOptions, refresh_note
from cms_dav.contacts.vcard_lines import card_lines, escape, unescape, unfold
from tests.contacts.cards import card

NOW = datetime(2026, 12, 1, 14, 0, tzinfo=timezone.utc)
CALL = "X-CMS-INTERACTION:i-1;call;20261120T100000Z;bob;20261205;Discussed renewal"
ON = TimelineOptions()


def note_of(text: str) -> str:
    [note] = [unescape(line.value) for line in card_lines(text) if line.name == "NOTE"]
    return note


def refreshed(text: str, options: TimelineOptions | None = ON, uploader: str | None = "alice",
              fields=()):
    return refresh_note(text, "u-1", options, uploader, NOW, fields)


def with_typed(text: str, *typed: str) -> str:
    """The card as a phone sends it (unfolded) after the user typed lines into the block."""
    lines = []
    for line in unfold(text):
        if line.startswith("NOTE:"):
            note = unescape(line[len("NOTE:"):])
            end = note.rindex("\n=== ")
            line = "NOTE:" + escape(note[:end] + "".join(f"\n{t}" for t in typed) + note[end:])
        lines.append(line)
    return "\r\n".join(lines) + "\r\n"


def test_the_block_follows_the_users_own_note_text():
    text, new = refreshed(card("NOTE:Prefers WeChat\\, mornings", CALL))
    note = note_of(text)
    assert note.startswith("Prefers WeChat, mornings\n\n=== Timeline [cms-dav] ===\n")
    assert "2026-11-20 10:00 UTC · call · bob: Discussed renewal [follow up 2026-12-05]" in note
    assert note.endswith("=== end [cms-dav] ===") and new == []


def without_note(text: str) -> str:
    """The text with the NOTE line's physical lines cut out, every other byte kept."""
    return re.sub(r"NOTE:.*\r\n(?: .*\r\n)*", "", text)


def test_only_the_note_line_changes():
    original = card("TEL:+48 600 000 000", "NOTE:mine", "X-LONG:" + "x" * 40 + "\r\n " + "y" * 40,
                    CALL, version="3.0")
    text, _ = refreshed(original)
    assert text != original and without_note(text) == without_note(original)


def test_a_card_without_note_gets_one():
    text, _ = refreshed(card(CALL))
    assert note_of(text).startswith("=== Timeline [cms-dav] ===")


def test_a_card_without_history_gets_no_block():
    original = card("NOTE:just mine")
    assert refreshed(original) == (original, [])


def test_refreshing_the_rendered_card_changes_nothing():
    text, _ = refreshed(card("NOTE:mine", CALL))
    assert refreshed(text) == (text, [])


def test_a_typed_line_becomes_one_interaction_by_the_uploader_at_the_upload_time():
    text, _ = refreshed(card("NOTE:mine", CALL))
    text, new = refreshed(with_typed(text, "+ call: send quote by Friday"))
    [entry] = new
    assert (entry.kind, entry.author, entry.at, entry.text, entry.claimed) == (
        "call", "alice", NOW, "send quote by Friday", None)
    assert parse_interactions(text)[-1] == entry
    note = note_of(text)
    assert note.count("send quote by Friday") == 1 and "+ call: send" not in note


def test_the_same_typed_line_sent_twice_on_one_day_is_recorded_once():
    text, _ = refreshed(card(CALL))
    typed = with_typed(text, "+ call: no answer")
    once, _ = refreshed(typed)
    again, new = refreshed(with_typed(once, "+ call: no answer"))
    assert new == [] and len(parse_interactions(again)) == 2


def test_a_typed_line_without_kind_is_a_note_and_full_width_signs_count():
    text, _ = refreshed(card(CALL))
    _, new = refreshed(with_typed(text, "+ 客户要求报价", "＋meeting：上海见面"))
    assert [(e.kind, e.text) for e in new] == [("note", "客户要求报价"), ("meeting", "上海见面")]


def test_an_unknown_kind_is_part_of_the_text():
    text, _ = refreshed(card(CALL))
    _, new = refreshed(with_typed(text, "+ Re: renewal"))
    assert [(e.kind, e.text) for e in new] == [("note", "Re: renewal")]


def test_edited_and_deleted_lines_of_existing_entries_change_nothing():
    text, _ = refreshed(card("NOTE:mine", CALL))
    edited = text.replace("Discussed renewal [follow", "Something else [follow")
    restored, new = refreshed(edited)
    assert new == [] and restored == text
    assert parse_interactions(restored)[0].text == "Discussed renewal"


def test_a_client_dropping_the_block_gets_it_back_with_its_own_text():
    text, _ = refreshed(card("NOTE:mine", CALL))
    dropped = card("NOTE:mine (edited)", CALL)
    back, _ = refreshed(dropped)
    assert note_of(back).startswith("mine (edited)\n\n=== Timeline [cms-dav] ===")


def test_text_typed_after_the_block_is_kept_as_the_users():
    text, _ = refreshed(card("NOTE:mine", CALL))
    after = text.replace("=== end [cms-dav] ===", "=== end [cms-dav] ===\\nP.S. call back")
    back, _ = refreshed(after)
    assert note_of(back).startswith("mine\nP.S. call back\n\n=== Timeline")


def test_only_the_latest_entries_are_shown():
    lines = [f"X-CMS-INTERACTION:i-{n};call;202611{n:02d}T100000Z;bob;;call {n}"
             for n in range(1, 6)]
    text, _ = refreshed(card(*lines), TimelineOptions(entries=2))
    note = note_of(text)
    assert "call 5" in note and "call 4" in note and "call 3" not in note
    assert note.index("call 5") < note.index("call 4")


def test_headings_in_chinese_and_polish():
    assert "=== 互动记录 [cms-dav] ===" in note_of(
        refreshed(card(CALL), TimelineOptions(language="zh"))[0])
    assert "=== Historia kontaktów [cms-dav] ===" in note_of(
        refreshed(card(CALL), TimelineOptions(language="pl"))[0])


def test_fields_rows_are_rendered_above_the_entries():
    note = note_of(refreshed(card(CALL), fields=[("Industry", "Manufacturing")])[0])
    assert note.index("Fields:\n- Industry: Manufacturing") < note.index("Discussed renewal")


def test_off_for_a_book_takes_the_block_out_and_reads_no_typed_lines():
    text, _ = refreshed(card("NOTE:mine", CALL))
    off = ON.for_book({BOOK_PROPERTY: "off"})
    back, new = refreshed(with_typed(text, "+ call: ignored"), off)
    assert off is None and new == [] and note_of(back) == "mine"


def test_a_book_property_names_the_language():
    assert ON.for_book({BOOK_PROPERTY: "zh"}) == TimelineOptions(20, "zh")
    assert ON.for_book({}) == ON and TimelineOptions(entries=0).for_book({}) is None


def test_server_written_cards_record_no_typed_lines():
    text, _ = refreshed(card(CALL))
    _, new = refreshed(with_typed(text, "+ call: x"), uploader=None)
    assert new == []


def test_the_users_text_keeps_the_clients_escaping():
    text, _ = refreshed(card("NOTE:Internet trollen, Kekse backen\\, und mehr", CALL))
    assert "NOTE:Internet trollen, Kekse backen\\, und mehr\\n\\n=== Timeline" in text.replace(
        "\r\n ", "")
