import codecs

import pytest

from cms_dav.io.encoding import decode_bytes, sniff_delimiter

POLISH = "Imię,Nazwisko\nŁukasz,Wiśniewski\nŻaneta,Dąbrowska\nGrzegorz,Brzęczyszczykiewicz\n"
CHINESE = "姓名,电话\n张伟,13800138000\n王秀英,13912345678\n欧阳娜娜,13700001111\n"


def test_utf8_with_bom_drops_the_bom():
    assert decode_bytes(codecs.BOM_UTF8 + POLISH.encode()) == (POLISH, "utf-8-sig")


def test_utf8_without_bom_is_read_as_utf8():
    assert decode_bytes(CHINESE.encode()) == (CHINESE, "utf-8")


def test_gb18030_chinese_is_recognised():
    assert decode_bytes(CHINESE.encode("gb18030")) == (CHINESE, "gb18030")


def test_windows_1250_polish_is_recognised():
    assert decode_bytes(POLISH.encode("cp1250")) == (POLISH, "cp1250")


@pytest.mark.parametrize("word", ["Zażółć", "Łódź", "Wiśniewski"])
def test_single_polish_word_in_windows_1250_is_not_mistaken_for_chinese(word):
    assert decode_bytes(word.encode("cp1250"))[0] == word


def test_windows_1252_western_names_are_recognised():
    text = "Name\nJürgen Groß\nFrançois Müller\n"
    assert decode_bytes(text.encode("cp1252"))[0] == text


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_sniff_delimiter_finds_the_separator(delimiter):
    text = (delimiter.join(["Name", "Email", "Phone"]) + "\n"
            + delimiter.join(["Ann", "a@x.pl", "1"]) + "\n")
    assert sniff_delimiter(text) == delimiter


def test_sniff_delimiter_ignores_separators_inside_quotes():
    assert sniff_delimiter('Name,Note\n"Kowalski; Jan","a;b;c"\n') == ","
