"""render (through ``folded``) takes a short ASCII line as it is, without fold's walk
(round eleven, the text ``cms-dav import`` makes of each CSV row): its text is, for
every list of lines, each line's ``fold(serialize())`` pieces joined by CRLF, followed
by CRLF, as before: long lines, lines of
exactly 75 and 76 characters, non-ASCII lines that fit 75 characters but not 75
octets, parameters, groups, and no line at all."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cms_dav.contacts.vcard_lines import CRLF, FOLD_OCTETS, ContentLine, fold, render


def _reference(lines: list[ContentLine]) -> str:
    """The text before the shortcut: every line through fold's walk."""
    return "".join(CRLF.join(fold(line.serialize())) + CRLF for line in lines)


def _line(name: str, value: str, params: list[tuple[str, str]] | None = None,
          group: str = "") -> ContentLine:
    return ContentLine(name=name, value=value, params=params or [], group=group)


EDGES = [
    _line("FN", "a" * (FOLD_OCTETS - 3)),  # "FN:" + 72: exactly 75 characters
    _line("FN", "a" * (FOLD_OCTETS - 2)),  # 76: folded
    _line("FN", "ż" * 40),  # 43 characters, 83 octets: folded
    _line("FN", "é" * 36),  # 39 characters, 75 octets: one piece, not ASCII
    _line("NOTE", "x" * 400),
    _line("TEL", "+1 555", [("TYPE", "work"), ("X-A", "a:b")], group="item1"),
    _line("X-EMPTY", ""),
]


def test_edge_lines_as_folded_before() -> None:
    assert render(EDGES) == _reference(EDGES)
    for line in EDGES:
        assert render([line]) == _reference([line])
    assert render([]) == ""


def test_a_csv_rows_card_is_unchanged() -> None:
    from cms_dav.io.contact_record import ContactRecord, record_to_vcard
    from cms_dav.io import contact_record

    record = ContactRecord(fn="Zofia Łukasiewicz-" + "Wąż" * 30, org="Acme; Inc, Ltd",
                           emails=[("work", "z@example.org")], phones=[("cell", "+48 600")],
                           note="line one\nline two " + "n" * 90)
    captured: list[list[ContentLine]] = []
    original = contact_record.render

    def keep(lines: list[ContentLine]) -> str:
        captured.append(list(lines))
        return original(lines)

    contact_record.render = keep
    try:
        text = record_to_vcard(record)
    finally:
        contact_record.render = original
    assert text == _reference(captured[0])


_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"),
                max_size=120)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["FN", "NOTE", "X-A", "ADR"]), _TEXT,
                          st.lists(st.tuples(st.sampled_from(["TYPE", "X-P"]), _TEXT),
                                   max_size=2),
                          st.sampled_from(["", "item1"])), max_size=6))
def test_any_lines_as_folded_before(specs: list[tuple[str, str, list[tuple[str, str]], str]]
                                    ) -> None:
    lines = [_line(name, value, params, group) for name, value, params, group in specs]
    assert render(lines) == _reference(lines)
