import pytest

from cms_dav.contacts.normalize import email_key, fold, looks_like_phone, phone_keys, pinyin_keys


@pytest.mark.parametrize("raw, folded", [
    ("Łukasz Wójcik", "lukasz wojcik"),
    ("ŁÓDŹ", "lodz"),
    ("Søren Kierkegaard", "soren kierkegaard"),
    ("Straße", "strasse"),
    ("  Ça  va ", "ca va"),
])
def test_fold_removes_case_and_accents(raw, folded):
    assert fold(raw) == folded


@pytest.mark.parametrize("raw, region", [
    ("+48 600 100 200", ""),
    ("600-100-200", "PL"),
    ("0048600100200", "PL"),
    ("0048600100200", ""),
    ("tel:+48-600-100-200", ""),
])
def test_phone_written_many_ways_has_the_e164_key(raw, region):
    assert "+48600100200" in phone_keys(raw, region)


def test_number_without_country_code_meets_the_stored_one_when_no_region_is_set():
    assert phone_keys("600 100 200") & phone_keys("+48 600 100 200")


def test_text_without_digits_has_no_phone_keys():
    assert phone_keys("n/a") == set()


def test_short_digit_runs_are_not_indexed():
    assert phone_keys("12") == set()


def test_chinese_name_has_full_spaced_and_initial_pinyin():
    assert {"zhangwei", "zhang wei", "zw"} <= pinyin_keys("张伟")


def test_latin_text_has_no_pinyin():
    assert pinyin_keys("Zhang Wei") == set()


def test_email_key_is_lower_case_and_stripped():
    assert email_key("  mailto:Zhang.Wei@Example.CN ") == "zhang.wei@example.cn"


@pytest.mark.parametrize("text, expected", [("138 0013 8000", True), ("+1 (202) 555-0143", True),
                                            ("zhang", False), ("a1", False)])
def test_looks_like_phone(text, expected):
    assert looks_like_phone(text) is expected


def test_surname_reading_and_everyday_reading_are_both_indexed():
    from cms_dav.contacts.normalize import pinyin_keys
    keys = pinyin_keys("曾小明")
    assert {"zeng xiao ming", "zxm", "ceng xiao ming"} <= keys


def test_compound_surname_reading():
    from cms_dav.contacts.normalize import pinyin_keys
    assert "yu chi gong" in pinyin_keys("尉迟恭")


def _fold_by_the_tables(text: str) -> str:
    """fold() without its ASCII shortcut: every step for every character."""
    import unicodedata

    from cms_dav.contacts.normalize import _NO_DECOMPOSITION
    lowered = text.casefold().translate(_NO_DECOMPOSITION)
    decomposed = unicodedata.normalize("NFKD", lowered)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.translate(_NO_DECOMPOSITION).split())


def test_fold_of_ascii_text_is_what_the_tables_make_of_it():
    import itertools
    every_ascii = "".join(map(chr, range(128)))
    assert fold(every_ascii) == _fold_by_the_tables(every_ascii)
    for size in (1, 2):
        for chars in itertools.product(every_ascii, repeat=size):
            text = "".join(chars)
            assert fold(text) == _fold_by_the_tables(text), repr(text)
    for text in ("  Acme  Sp. z o.o. ", "ÉCOLE", "Łukasz\tWójcik", "x\u00a0y", "ﬁ", ""):
        assert fold(text) == _fold_by_the_tables(text), repr(text)


@pytest.mark.parametrize("raw, region", [("+48 600 100 200", ""), ("600100200", "PL"),
                                         ("0048 600 100 200", ""), ("12-34", ""),
                                         ("tel:+1-202-555-0173;ext=5", "US"), ("call me", "")])
def test_phone_keys_read_again_are_the_first_answer_in_a_set_of_their_own(raw, region):
    first = phone_keys(raw, region)
    assert isinstance(first, set)
    expected = set(first)
    first.add("changed by the caller")
    again = phone_keys(raw, region)
    assert again == expected and again is not first
    assert isinstance(again, set)


def test_phone_keys_of_one_number_depend_on_the_region():
    assert phone_keys("600 100 200", "PL") == {"+48600100200", "600100200"}
    assert phone_keys("600 100 200", "") != phone_keys("600 100 200", "PL")
