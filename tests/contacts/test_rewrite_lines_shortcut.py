"""rewrite_lines gives the same text and count whether or not it first looks for the
property's name in the whole text (the shortcut for uploads without interactions)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cms_dav.contacts import vcard_lines
from cms_dav.contacts.interactions import PROPERTY
from cms_dav.contacts.vcard_lines import ContentLine, rewrite_lines

_CARD = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u-1\r\nFN:Zofia\r\nN:Z;;;;\r\n"
         "NOTE:imported\\, with a comma\r\nEND:VCARD\r\n")
_ENTRY = f"{PROPERTY};X-ID=a:note"


def _dropped(line: ContentLine, logical: str) -> str | None:
    return None


def _both(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    fast = rewrite_lines(text, PROPERTY, _dropped)
    with monkeypatch.context() as patched:
        patched.setattr(vcard_lines, "_cannot_hold", lambda text, wanted: False)
        slow = rewrite_lines(text, PROPERTY, _dropped)
    return fast, slow


@pytest.mark.parametrize("text", [
    _CARD,
    _CARD.replace("\r\n", "\n"),
    _CARD.replace("END:VCARD", f"{_ENTRY}\r\nEND:VCARD"),
    _CARD.replace("END:VCARD", f"{_ENTRY.lower()}\r\nEND:VCARD"),
    _CARD.replace("END:VCARD", "X-CMS-INTER\r\n ACTION;X-ID=a:note\r\nEND:VCARD"),
    _CARD.replace("END:VCARD", "X-CMS-INTER\n\tACTION;X-ID=a:note\nEND:VCARD"),
    _CARD.replace("END:VCARD", "X-CMS-INTER\rACTION;X-ID=a:note\r\nEND:VCARD"),
    _CARD.replace("END:VCARD", "X-CMS-INTER\r ACTION;X-ID=a:note\r\nEND:VCARD"),
    _CARD.replace("NOTE:imported", "NOTE:see x-cms-interaction"),
    "",
])
def test_rewrite_lines_is_the_same_with_and_without_the_name_looked_for_first(
        text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = _both(text, monkeypatch)
    assert fast == slow


def test_a_card_without_the_name_is_returned_as_it_is(
        monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = _both(_CARD, monkeypatch)
    assert fast == slow == (_CARD, 0)


def test_an_interaction_folded_inside_its_name_is_still_rewritten(
        monkeypatch: pytest.MonkeyPatch) -> None:
    text = _CARD.replace("END:VCARD", "X-CMS-INTER\r\n ACTION;X-ID=a:note\r\nEND:VCARD")
    fast, _ = _both(text, monkeypatch)
    assert fast == (_CARD, 1)


_PIECES = st.sampled_from(["X-CMS-", "INTER", "ACTION", "x-cms-interaction", ":v",
                           ";X-ID=a", "\r\n", "\n", "\r", " ", "\t", "FN:a", "ß", "é"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_rewrite_lines_is_the_same_for_any_text_of_names_breaks_and_folds(
        text: str) -> None:
    fast = rewrite_lines(text, PROPERTY, _dropped)
    original = vcard_lines._cannot_hold
    vcard_lines._cannot_hold = lambda text, wanted: False  # type: ignore[assignment]
    try:
        slow = rewrite_lines(text, PROPERTY, _dropped)
    finally:
        vcard_lines._cannot_hold = original  # type: ignore[assignment]
    assert fast == slow
