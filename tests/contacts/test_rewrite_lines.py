"""``rewrite_lines`` skips the walk over a card none of whose lines can hold the property
(issue 19: most uploads carry no interaction lines), and still finds a line whose name
a fold cuts in two."""

from __future__ import annotations

from cms_dav.contacts.vcard_lines import rewrite_lines
from tests.contacts.cards import card


def test_a_card_without_the_property_comes_back_as_it_is() -> None:
    text = card("NOTE:hello", "X-OTHER:two", eol="\n")
    rewritten, changed = rewrite_lines(text, "X-CMS-INTERACTION", lambda line, logical: None)
    assert rewritten is text and changed == 0  # the very string: no walk, no join


def test_a_line_whose_name_a_fold_cuts_is_still_rewritten() -> None:
    text = card("X-CMS-INTER\r\n ACTION:one", "X-OTHER:two")
    rewritten, changed = rewrite_lines(text, "X-CMS-INTERACTION",
                                       lambda line, logical: f"X-CMS-INTERACTION:{line.value}!")
    assert changed == 1
    assert "X-CMS-INTERACTION:one!\r\n" in rewritten and "X-OTHER:two\r\n" in rewritten
