"""``vcard_lines.unescape`` (RFC 6350 §3.4 text escapes) gives exactly what its former
per-character loop gave, for every string of up to five characters over the escape
characters and their neighbours (issue 19, putpath: the loop was ~0.3 ms of a PUT)."""

from __future__ import annotations

from itertools import product

from cms_dav.contacts.vcard_lines import structured, text_list, unescape


def loop_unescape(value: str) -> str:
    """The implementation before issue 19's round six, kept as the reference."""
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        nxt = next(chars, "")
        if nxt in ("n", "N"):
            out.append("\n")
        elif nxt in ("\\", ",", ";", ":"):
            out.append(nxt)
        else:
            out.append("\\" + nxt)
    return "".join(out)


ALPHABET = ("\\", "n", "N", ",", ";", ":", "a", "\n", "\u00e9", "\U0001f600")


def test_unescape_equals_the_loop_on_every_short_string_over_the_escape_alphabet() -> None:
    for length in range(6):
        for chars in product(ALPHABET, repeat=length):
            value = "".join(chars)
            assert unescape(value) == loop_unescape(value), repr(value)


def test_unescape_equals_the_loop_on_card_values() -> None:
    values = ["Dr. Ann\\, PhD", "line one\\nline two\\Nthree", "C:\\\\temp\\\\x",
              "semi\\;colon\\:colon", "keep \\t and \\x", "trailing\\", "\\\\\\",
              "2026-12-03 10:00 call\\; follow up\\, maybe", ""]
    for value in values:
        assert unescape(value) == loop_unescape(value)


def test_a_value_without_a_backslash_comes_back_as_the_same_object() -> None:
    value = "".join(["Ann", " Smith"])
    assert unescape(value) is value


def test_structured_and_list_values_unescape_each_component() -> None:
    assert structured("Smith\\;Jones;Ann\\, B;;") == ["Smith;Jones", "Ann, B", "", ""]
    assert text_list("a\\,b, c ,,\\nd") == ["a,b", "c", "d"]  # trimmed: the line break too
