"""The JSON shape of a contact and the edit back into its vCard (issue 15 item 1):
every part the JSON models reads as written, and an edit keeps every line it does
not name byte for byte (lossless storage, issue 12)."""

from __future__ import annotations

from cms_dav.contacts.contact_json import apply_changes, contact_view, e164, new_card

CARD = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u-1\r\nFN:Anna Nowak\r\nN:Nowak;Anna;;Dr.;\r\n"
        "ORG:Acme;Sales\r\nTITLE:CEO\r\nitem1.TEL;TYPE=CELL:+48 600 100 200\r\n"
        "item1.X-ABLabel:Private\r\nEMAIL;TYPE=work:anna@example.com\r\n"
        "ADR;TYPE=home:;;Długa 1;Gdańsk;;80-001;Poland\r\nCATEGORIES:VIP,a\\,b\r\n"
        "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQ\r\nX-CMS-FIELD:level;A\r\n"
        "BDAY:1990-04-01\r\nEND:VCARD\r\n")


def test_the_view_reads_every_modeled_part() -> None:
    view = contact_view(CARD, "PL")
    assert view["name"] == {"formatted": "Anna Nowak", "family": "Nowak", "given": "Anna",
                            "additional": "", "prefixes": "Dr.", "suffixes": ""}
    assert view["organisation"] == {"name": "Acme", "units": ["Sales"]}
    assert view["phones"] == [{"value": "+48 600 100 200", "types": ["cell"],
                               "e164": "+48600100200"}]
    assert view["addresses"][0]["locality"] == "Gdańsk"
    assert view["categories"] == ["VIP", "a,b"]
    assert (view["title"], view["birthday"]) == ("CEO", "1990-04-01")


def test_an_unchanged_part_keeps_the_card_byte_for_byte() -> None:
    view = contact_view(CARD)
    same = {part: view[part] for part in ("nicknames", "categories", "title", "emails")}
    assert apply_changes(CARD, same) == CARD


def test_an_edit_keeps_unmodeled_lines_and_the_stored_line_of_an_unchanged_entry() -> None:
    changed = apply_changes(CARD, {
        "phones": [{"value": "+48 600 100 200", "types": ["cell"]},
                   {"value": "+48 58 000 00 00", "types": ["work"]}],
        "emails": []})
    for kept in ("item1.TEL;TYPE=CELL:+48 600 100 200", "item1.X-ABLabel:Private",
                 "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQ", "X-CMS-FIELD:level;A"):
        assert kept in changed
    assert "TEL;TYPE=work:+48 58 000 00 00" in changed and "EMAIL" not in changed


def test_values_are_escaped_so_they_read_back_the_same() -> None:
    changed = apply_changes(CARD, {"title": "R&D; Sales, East", "categories": ["x,y", "z"]})
    view = contact_view(changed)
    assert (view["title"], view["categories"]) == ("R&D; Sales, East", ["x,y", "z"])


def test_a_new_card_gets_a_formatted_name_from_its_parts() -> None:
    card = new_card("n-1", {"name": {"given": "Jan", "family": "Kowalski"}})
    assert "FN:Jan Kowalski\r\n" in card and "N:Kowalski;Jan;;;\r\n" in card
    assert contact_view(card)["uid"] == "n-1"


def test_e164_is_none_for_what_is_not_a_phone_number() -> None:
    assert e164("+48 600 100 200") == "+48600100200"
    assert e164("call me") is None
