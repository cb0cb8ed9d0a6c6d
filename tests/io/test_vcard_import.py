import vobject

from cms_dav.io.vcard_import import split_vcards

CARD_30 = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u-1\r\nFN:Anna Nowak\r\nEMAIL:anna@x.pl\r\n"
           "END:VCARD\r\n")
CARD_21_QP = (
    "BEGIN:VCARD\nVERSION:2.1\n"
    "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Wi=C5=9Bniewski;=C5=81ukasz;;;\n"
    "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C5=81ukasz Wi=C5=9B=\nniewski, CEO\n"
    "TEL;CELL;HOME:+48601234567\n"
    "NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=GB18030:=D5=C5=CE=B0\n"
    "END:VCARD\n"
)
CARD_40_FOLDED = ("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Zhang\r\n Wei\r\nEMAIL:zw@x.cn\r\n"
                  "END:VCARD\r\n")


def test_a_file_with_many_cards_yields_each_card():
    results = list(split_vcards(CARD_30 + CARD_21_QP + CARD_40_FOLDED))
    assert [r.index for r in results] == [1, 2, 3]
    assert all(r.error is None for r in results)


def test_vcard_2_1_quoted_printable_is_upgraded_to_3_0():
    (result,) = split_vcards(CARD_21_QP.encode())
    card = vobject.readOne(result.text)
    assert card.version.value == "3.0"
    assert card.fn.value == "Łukasz Wiśniewski, CEO"
    assert card.note.value == "张伟"
    assert card.tel.params["TYPE"] == ["cell", "home"]


def test_folded_lines_are_unfolded():
    (result,) = split_vcards(CARD_40_FOLDED)
    assert vobject.readOne(result.text).fn.value == "ZhangWei"


def test_existing_uid_is_kept():
    (result,) = split_vcards(CARD_30)
    assert result.uid == "u-1"


def test_missing_uid_is_derived_from_content_so_reimport_is_idempotent():
    first = list(split_vcards(CARD_40_FOLDED))[0]
    again = list(split_vcards(CARD_40_FOLDED))[0]
    assert first.uid.startswith("urn:uuid:") and first.uid == again.uid
    assert f"UID:{first.uid}" in first.text


def test_card_without_fn_gets_one_from_n():
    text = "BEGIN:VCARD\nVERSION:3.0\nN:Nowak;Anna;;;\nEND:VCARD\n"
    assert vobject.readOne(list(split_vcards(text))[0].text).fn.value == "Anna Nowak"


def test_broken_card_is_reported_with_index_and_line_and_others_survive():
    broken = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bad\r\nthis is not a property\r\nEND:VCARD\r\n"
    results = list(split_vcards(CARD_30 + broken + CARD_30.replace("u-1", "u-2")))
    assert [(r.index, r.line, r.error is not None) for r in results] == [
        (1, 1, False), (2, 7, True), (3, 12, False)]
    assert "no ':'" in results[1].error


def test_card_cut_off_at_end_of_file_is_reported():
    results = list(split_vcards(CARD_30 + "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Half\r\n"))
    assert results[-1].error and "END:VCARD missing" in results[-1].error


def test_card_with_no_name_at_all_is_rejected():
    (result,) = split_vcards("BEGIN:VCARD\nVERSION:3.0\nNOTE:x\nEND:VCARD\n")
    assert "no name" in result.error
