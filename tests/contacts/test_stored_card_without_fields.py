"""A changed card whose stored version holds no custom field lines skips parsing that
version in the field merge (issue 19, round nine: ``custom_fields.may_hold_fields``).
Specified against the parse it skips: whenever the stored card's lines hold a field
line, however folded, cased or grouped, the merge still parses it and puts the field
back; the merge's answers equal the full path's on every variant."""

from __future__ import annotations

import itertools

import pytest

from bench import data
from cms_dav.contacts import custom_fields
from cms_dav.contacts.custom_fields import (PROPERTY, merge_preserving_fields,
                                            may_hold_fields, read_fields)
from cms_dav.contacts.vcard_lines import lenient_lines
from tests.contacts.index_support import vcard


def field_line_variants() -> list[str]:
    """The field line spelled every way a vCard parser reads it: cases, a group, and
    folded at every position with every line break and continuation character."""
    line = f"{PROPERTY}:spend;9000"
    spelled = [line, line.lower(), "item1." + line, f"{PROPERTY.title()}:spend;9000"]
    folded = [f"{one[:cut]}{brk}{cont}{one[cut:]}"
              for one in spelled[:2] for cut in range(1, len(one))
              for brk, cont in itertools.product(("\r\n", "\n", "\r"), (" ", "\t"))]
    return spelled + folded


def full_merge(stored: str, uploaded: str) -> tuple[str, bool]:
    """The merge without the fast path (every stored line parsed)."""
    original = custom_fields.may_hold_fields
    custom_fields.may_hold_fields = lambda text: True  # type: ignore[assignment]
    try:
        return merge_preserving_fields(stored, uploaded)
    finally:
        custom_fields.may_hold_fields = original  # type: ignore[assignment]


@pytest.mark.parametrize("line", field_line_variants())
def test_a_stored_field_line_however_spelled_is_found_and_put_back(line: str) -> None:
    stored = vcard("u", "Zhang", line)
    assert read_fields(lenient_lines(stored))  # the parser does read it as a field
    assert may_hold_fields(stored)
    uploaded = vcard("u", "Zhang Wei")
    merged, changed = merge_preserving_fields(stored, uploaded)
    assert changed and "spend;9000" in merged
    assert (merged, changed) == full_merge(stored, uploaded)


def test_cards_without_field_lines_skip_the_stored_parse_and_merge_alike() -> None:
    for index in range(200):
        stored = data.make_card(index, 7, 0).decode()
        uploaded = data.make_card(index, 7, 1).decode()
        assert not may_hold_fields(stored)
        assert merge_preserving_fields(stored, uploaded) == full_merge(stored, uploaded) \
            == (uploaded, False)


def test_a_field_name_only_in_a_value_takes_the_full_path_and_merges_nothing() -> None:
    stored = vcard("u", "Zhang", f"NOTE:about {PROPERTY.lower()} lines")
    assert may_hold_fields(stored)
    uploaded = vcard("u", "Zhang Wei")
    assert merge_preserving_fields(stored, uploaded) == (uploaded, False)
