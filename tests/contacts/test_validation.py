from cms_dav.contacts.validation import lint_card
from tests.contacts.cards import card


def test_good_card_has_no_problems():
    assert lint_card(card("EMAIL:a@b.example", "TEL:+48 600 100 200")) == []


def test_malformed_email_is_reported_by_value():
    assert lint_card(card("EMAIL:alice(at)example")) == [
        "EMAIL 'alice(at)example' is not a valid e-mail address"]


def test_unparseable_phone_is_reported_with_a_hint_about_the_region():
    problems = lint_card(card("TEL:600 100 200"))
    assert len(problems) == 1 and "no default region" in problems[0]


def test_national_phone_is_fine_with_a_default_region():
    assert lint_card(card("TEL:600 100 200"), "PL") == []


def test_invalid_phone_number_is_reported():
    assert "not a valid number" in lint_card(card("TEL:+48 100"))[0]


def test_missing_fn_and_uid_are_reported():
    assert lint_card(card(uid="", fn=None)) == ["UID is missing", "FN (display name) is missing"]


def test_damaged_interaction_is_reported():
    problems = lint_card(card("X-CMS-INTERACTION:i-1;call;yesterday;bob;;x"))
    assert problems[0].startswith("damaged interaction")


def test_unreadable_card_is_one_problem_not_an_exception():
    assert lint_card("not a card")[0].startswith("unreadable card")

