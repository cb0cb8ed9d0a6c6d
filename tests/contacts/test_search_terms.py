import pytest

from cms_dav.contacts.card_fields import extract_fields
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.search_terms import MAX_TERM, index_terms, parse_query, score, score_terms
from tests.contacts.cards import card

ZHANG = extract_fields(card("N:张;伟;;;", "EMAIL:Zhang.Wei@Example.CN", "TEL:+86 138 0013 8000",
                            uid="u-zhang", fn="张伟"))
LUKASZ = extract_fields(card("N:Wójcik;Łukasz;;;", "EMAIL:lukasz@firma.example",
                             "TEL:+48 600 100 200", "ORG:Firma Sp. z o.o.", "CATEGORIES:VIP",
                             "ADR:;;;Gdańsk;;;Polska",
                             "NOTE:Prefers calls after 3pm", uid="u-lukasz", fn="Łukasz Wójcik"))
PEOPLE = [ZHANG, LUKASZ]


def found(q: str, region: str = "") -> list[str]:
    query = parse_query(q, region)
    ranked = sorted(((score(query, f), f.uid) for f in PEOPLE), reverse=True)
    return [uid for s, uid in ranked if s > 0]


@pytest.mark.parametrize("q", ["zhang wei", "zw", "zhangwei", "张伟", "Zhang"])
def test_chinese_name_is_found_by_pinyin(q):
    assert found(q) == ["u-zhang"]


@pytest.mark.parametrize("q", ["lukasz wojcik", "LUKASZ", "wojcik", "Łukasz Wójcik", "łuk"])
def test_accented_name_is_found_without_accents(q):
    assert found(q) == ["u-lukasz"]


@pytest.mark.parametrize("q, region", [("+48 600 100 200", ""), ("600-100-200", "PL"),
                                       ("0048600100200", ""), ("600 100 200", "")])
def test_phone_typed_in_different_formats_finds_the_person(q, region):
    assert found(q, region) == ["u-lukasz"]


@pytest.mark.parametrize("q", ["+", "+4", "+48", "+48 "])
def test_a_plus_sign_and_fewer_than_three_digits_is_a_number_being_typed(q):
    """Regression (issue 16 item 5): "+" was a word term, scanned for in every word of
    the index (2.5 s at 100,000 cards); it is the start of a phone number."""
    query = parse_query(q)
    assert [t.kind for t in query.terms] == ["phone"]
    assert found(q) == []


@pytest.mark.parametrize("q", ["138 0013 8000", "+8613800138000"])
def test_chinese_mobile_is_found_with_region_cn(q):
    assert found(q, "CN") == ["u-zhang"]


@pytest.mark.parametrize("q", ["zhang.wei@example.cn", "ZHANG.WEI@EXAMPLE.CN",
                               "Zhang.Wei@Example.CN"])
def test_email_case_variants_find_the_person(q):
    assert found(q) == ["u-zhang"]


@pytest.mark.parametrize("q", ["firma", "vip", "gdansk", "polska", "calls"])
def test_org_category_city_country_and_note_are_searchable(q):
    assert found(q) == ["u-lukasz"]


def test_every_term_must_match():
    assert found("lukasz zhang") == []


def test_field_restriction_limits_where_a_term_may_match():
    assert (found("category:vip"), found("org:vip")) == (["u-lukasz"], [])


def test_exact_beats_prefix_beats_substring():
    rows = [("name", "anna"), ("name", "annabel"), ("name", "joanna")]
    query = parse_query("anna")
    grades = [score_terms(query, [row]) for row in rows]
    assert grades[0] > grades[1] > grades[2] > 0


def test_exact_phone_match_outranks_an_exact_name_match():
    phone = score_terms(parse_query("+48600100200"), [("phone", "+48600100200")])
    name = score_terms(parse_query("anna"), [("name", "anna")])
    assert phone > name


def test_name_match_outranks_note_match():
    query = parse_query("tea")
    assert score_terms(query, [("name", "tea")]) > score_terms(query, [("note", "tea")])


def test_index_rows_are_normalized_and_unique():
    rows = index_terms(LUKASZ)
    assert ("name", "lukasz wojcik") in rows and ("email", "lukasz@firma.example") in rows
    assert len(rows) == len(set(rows))


def test_phone_rows_use_the_default_region():
    fields = extract_fields(card("TEL:600 100 200"))
    assert ("phone", "+48600100200") in index_terms(fields, "PL")


def test_pinyin_rows_exist_for_chinese_names():
    assert {("pinyin", "zhang wei"), ("pinyin", "zw")} <= set(index_terms(ZHANG))


@pytest.mark.parametrize("q", ["", "   ", '"unbalanced', "..."])
def test_unusable_query_is_a_clear_error(q):
    with pytest.raises(ContactError):
        parse_query(q)


NOTES = ["Prefers calls after 3pm", "Poznaliśmy się na targach; 客户 since 2021. "
         "Call: what happened, 2026-12-02 18:54 UTC", "zoo visit, a zoologist's visit-day",
         " ".join(f"word{n:03d}" + "x" * 40 for n in range(30))]
NOTE_QUERIES = ["calls", "call", "cal", "3pm", "3", "pm", "na", "n", "targach", "targ",
                "argac", "客户", "客", "2026-12-02", "2026", "utc", "zoo", '"zoologist\'s"',
                "visit", "visit-day", "day", "vis", '"zoo visit"', '"s a"', '"o v"',
                "note:visit", "note:vis", "note:na", "word029" + "x" * 40, "word02",
                "xx word", "x"]


def _rows_word_by_word(fields):
    """The rows as the index kept them before (issue 19): one ``note`` row per word."""
    return [r for r in index_terms(fields) if r[0] != "note"] + [
        ("note", w) for w in dict.fromkeys(
            w for row in index_terms(fields) if row[0] == "note" for w in row[1].split(" "))]


def test_a_cards_note_words_are_a_few_rows_short_words_alone_the_rest_joined():
    """Issue 19: a bench card's notes were 32 of its ~53 index rows."""
    fields = extract_fields(card(f"NOTE:{NOTES[1]}"))
    assert [t for f, t in index_terms(fields) if f == "note"] == [
        "na", "客户", "18", "54",
        "poznalismy sie targach since 2021 call what happened 2026-12-02 utc"]


def test_a_long_note_is_cut_into_rows_no_longer_than_a_term_between_words():
    fields = extract_fields(card(f"NOTE:{NOTES[3]}"))
    rows = [t for f, t in index_terms(fields) if f == "note"]
    assert len(rows) > 1 and all(len(t) <= MAX_TERM for t in rows)
    assert [w for t in rows for w in t.split(" ")] == [
        f"word{n:03d}" + "x" * 40 for n in range(30)]


@pytest.mark.parametrize("q", NOTE_QUERIES)
@pytest.mark.parametrize("note", NOTES)
def test_a_note_scores_from_its_joined_rows_as_it_did_word_by_word(note, q):
    fields = extract_fields(card(f"NOTE:{note}", "ORG:Zeta"))
    query = parse_query(q)
    assert score_terms(query, index_terms(fields)) == score_terms(
        query, _rows_word_by_word(fields))
