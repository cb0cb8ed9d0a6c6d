"""Issue 14 item 4 over real HTTP: the timeline block in NOTE is what phones show and
where they can add an interaction; it never costs the stored history anything."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cms_dav.cli import cli
from cms_dav.contacts.vcard_lines import card_lines, escape, unescape, unfold
from tests.support.dav import make_addressbook, put_card, vcard

OWN = "Prefers WeChat, mornings"
PROPPATCH_OFF = """<?xml version="1.0" encoding="utf-8"?>
<d:propertyupdate xmlns:d="DAV:" xmlns:x="http://cms-dav.org/ns/"><d:set><d:prop>
<x:timeline-note>off</x:timeline-note></d:prop></d:set></d:propertyupdate>"""


@pytest.fixture
def server(emptied_server):
    """The module's one server: the card a test stores is deleted after it, and a book
    a test makes (with its timeline off) too."""
    return emptied_server


def cms(server, *args):
    result = CliRunner().invoke(cli, ["--data-dir", str(server.data_dir), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def notes(server):
    return json.loads(cms(server, "notes", "list", "zw", "--user", "alice", "--json"))


def note_of(text: str) -> str:
    [note] = [unescape(line.value) for line in card_lines(text) if line.name == "NOTE"]
    return note


def with_note(text: str, note: str) -> str:
    """The card (unfolded, as many clients send it) with NOTE set to ``note``."""
    lines = ["NOTE:" + escape(note) if line.startswith("NOTE:") else line
             for line in unfold(text)]
    return "\r\n".join(lines) + "\r\n"


def card_with_a_call(server):
    """alice's card with her own NOTE text and one call added by ``cms-dav notes add``."""
    alice = server.session("alice", "alice-pw")
    url = f"{server.url}/alice/contacts/zw.vcf"
    put_card(alice, url, vcard("zw", "Zhang Wei", f"NOTE:{escape(OWN)}\r\n"))
    cms(server, "notes", "add", "zw", "--user", "alice", "--type", "call",
        "--text", "Discussed renewal")
    return alice, url


def test_after_notes_add_a_get_shows_the_block_with_the_note(server):
    alice, url = card_with_a_call(server)
    note = note_of(alice.get(url).text)
    assert note.startswith(f"{OWN}\n\n=== Timeline [cms-dav] ===\n")
    assert "call · alice: Discussed renewal" in note


def test_a_typed_line_becomes_exactly_one_interaction_by_the_uploader(server):
    alice, url = card_with_a_call(server)
    shown = alice.get(url).text
    note = note_of(shown)
    typed = note.replace("\n=== end", "\n+ call: send quote by Friday\n=== end")
    response = put_card(alice, url, with_note(shown, typed))
    assert response.status_code == 204 and "ETag" not in response.headers
    added = [n for n in notes(server) if n["text"] == "send quote by Friday"]
    assert [(n["type"], n["author"], n["claimed"]) for n in added] == [("call", "alice", "")]


def test_the_next_get_shows_the_typed_entry_once_and_the_typed_line_no_more(server):
    alice, url = card_with_a_call(server)
    shown = alice.get(url).text
    typed = note_of(shown).replace("\n=== end", "\n+ call: send quote by Friday\n=== end")
    put_card(alice, url, with_note(shown, typed))
    note = note_of(alice.get(url).text)
    assert note.count("send quote by Friday") == 1
    assert "call · alice: send quote by Friday" in note and "+ call: send" not in note


def test_a_put_without_the_block_deletes_nothing_and_keeps_the_users_text(server):
    alice, url = card_with_a_call(server)
    put_card(alice, url, with_note(alice.get(url).text, OWN + " (edited)"))
    assert [n["text"] for n in notes(server)] == ["Discussed renewal"]
    note = note_of(alice.get(url).text)
    assert note.startswith(f"{OWN} (edited)\n\n=== Timeline [cms-dav] ===")
    assert "Discussed renewal" in note


def test_a_put_editing_an_old_line_deletes_nothing_and_keeps_the_users_text(server):
    alice, url = card_with_a_call(server)
    shown = alice.get(url).text
    put_card(alice, url, with_note(shown, note_of(shown).replace("Discussed renewal", "gone")))
    assert [n["text"] for n in notes(server)] == ["Discussed renewal"]
    assert unfold(alice.get(url).text) == unfold(shown)  # the client sent it unfolded


def test_a_book_with_the_timeline_off_gets_no_block(server):
    alice = server.session("alice", "alice-pw")
    alice.get(f"{server.url}/alice/")
    make_addressbook(alice, f"{server.url}/alice/quiet/", "Quiet")
    response = alice.request("PROPPATCH", f"{server.url}/alice/quiet/",
                             data=PROPPATCH_OFF.encode(),
                             headers={"Content-Type": "application/xml"})
    assert response.status_code == 207, response.text
    url = f"{server.url}/alice/quiet/zw.vcf"
    put_card(alice, url, vcard("zw", "Zhang Wei", f"NOTE:{escape(OWN)}\r\n"))
    cms(server, "notes", "add", "zw", "--user", "alice", "--type", "call", "--text", "x")
    assert note_of(alice.get(url).text) == OWN
