from cms_dav.contacts.card_fields import extract_fields
from cms_dav.contacts.groups import group_names, groups_of, members_of_category, members_of_group
from tests.contacts.cards import card

ANNA = extract_fields(card("CATEGORIES:Key accounts,VIP", uid="u-anna", fn="Anna"))
BEN = extract_fields(card("CATEGORIES:Prospect", uid="u-ben", fn="Ben"))
CLARA = extract_fields(card("EMAIL:clara@x.example", uid="u-clara", fn="Clara"))
APPLE_GROUP = extract_fields(card("X-ADDRESSBOOKSERVER-KIND:group",
                                  "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:u-ben",
                                  version="3.0", uid="g-1", fn="Key Accounts"))
V4_GROUP = extract_fields(card("KIND:group", "MEMBER:urn:uuid:u-anna",
                               "MEMBER:mailto:clara@x.example", uid="g-2", fn="VIP"))
CARDS = [ANNA, BEN, CLARA, APPLE_GROUP, V4_GROUP]


def uids(cards):
    return [c.uid for c in cards]


def test_group_includes_category_members_and_group_card_members():
    assert uids(members_of_group(CARDS, "key accounts")) == ["u-anna", "u-ben"]


def test_category_and_group_listing_give_the_same_members():
    assert (uids(members_of_category(CARDS, "VIP")) == uids(members_of_group(CARDS, "VIP"))
            == ["u-anna", "u-clara"])


def test_vcard4_mailto_member_is_matched_by_email():
    assert "u-clara" in uids(members_of_group(CARDS, "vip"))


def test_group_cards_themselves_are_not_members():
    assert all(not c.is_group for c in members_of_group(CARDS, "VIP"))


def test_unknown_group_has_no_members():
    assert members_of_group(CARDS, "Nobody") == []


def test_groups_of_a_card_lists_categories_and_group_cards_once():
    assert groups_of(ANNA, CARDS) == ["Key accounts", "VIP"]


def test_group_names_counts_members_whichever_way_recorded():
    assert group_names(CARDS) == {"Key accounts": 2, "Prospect": 1, "VIP": 2}
