import pytest

from cms_dav.contacts.card_fields import extract_fields
from cms_dav.contacts.errors import CardFormatError
from cms_dav.contacts.interactions import add_interaction
from tests.contacts.cards import card
from tests.contacts.test_interactions import AT, make


def test_names_and_organisation_are_unescaped():
    fields = extract_fields(card("N:Wójcik;Łukasz;;Dr.;", "NICKNAME:Luke,Łuki",
                                 "ORG:Acme\\, Inc.;Sales", "TITLE:Buyer", fn="Łukasz Wójcik"))
    assert (fields.fn, fields.n[:2], fields.nicknames, fields.orgs, fields.titles) == (
        "Łukasz Wójcik", ("Wójcik", "Łukasz"), ["Luke", "Łuki"], ["Acme, Inc., Sales"], ["Buyer"])


def test_categories_split_on_unescaped_commas_only():
    fields = extract_fields(card("CATEGORIES: VIP ,Customer,A\\,B"))
    assert fields.categories == ["VIP", "Customer", "A,B"]


def test_emails_phones_and_addresses_are_collected():
    fields = extract_fields(card("EMAIL;TYPE=work:a@b.example", "TEL;TYPE=cell:+48 600 100 200",
                                 "ADR;TYPE=work:;;ul. Długa 1;Gdańsk;;80-001;Poland"))
    assert (fields.emails, fields.phones, fields.cities, fields.countries) == (
        ["a@b.example"], ["+48 600 100 200"], ["Gdańsk"], ["Poland"])


def test_apple_group_card_members_are_uids():
    fields = extract_fields(card("X-ADDRESSBOOKSERVER-KIND:group",
                                 "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:u-7",
                                 version="3.0", fn="Key accounts"))
    assert (fields.is_group, fields.members) == (True, ["u-7"])


def test_vcard4_group_card_members_are_uids():
    fields = extract_fields(card("KIND:group", "MEMBER:urn:uuid:u-7", "MEMBER:urn:uuid:u-8"))
    assert (fields.is_group, fields.members) == (True, ["u-7", "u-8"])


def test_card_without_kind_is_an_individual():
    assert extract_fields(card()).kind == "individual"


def test_last_contacted_is_the_newest_interaction():
    later = make("i-2", at=AT.replace(year=2027))
    fields = extract_fields(add_interaction(add_interaction(card(), later), make("i-1")))
    assert fields.last_contacted == later.at


def test_damaged_interaction_is_counted_not_fatal():
    fields = extract_fields(card("X-CMS-INTERACTION:nonsense"))
    assert (fields.interactions, fields.damaged_interactions) == ([], 1)


def test_display_name_falls_back_to_n_when_fn_is_missing():
    assert extract_fields(card("N:Doe;Jane;;;", fn=None)).display_name == "Jane Doe"


def test_quoted_printable_vcard21_values_are_decoded():
    fields = extract_fields(card("NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Gda=C5=84sk",
                                 version="2.1"))
    assert fields.notes == ["Gdańsk"]


def test_parameter_value_with_colon_in_quotes_does_not_cut_the_value():
    fields = extract_fields(card('EMAIL;X-NOTE="a:b";TYPE=work:x@y.example'))
    assert fields.emails == ["x@y.example"]


@pytest.mark.parametrize("text, message", [
    ("", "BEGIN:VCARD"),
    ("BEGIN:VCARD\r\nFN:x\r\n", "BEGIN:VCARD"),
    ("BEGIN:VCARD\r\nthis is not a property\r\nEND:VCARD\r\n", "no ':'"),
    (card() + card(), "more than one vCard"),
])
def test_broken_card_raises_a_clear_value_error(text, message):
    with pytest.raises(CardFormatError, match=message):
        extract_fields(text)


def test_card_format_error_is_a_value_error():
    assert issubclass(CardFormatError, ValueError)
