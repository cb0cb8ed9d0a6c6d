"""rewrite_lines of a text without folded lines or lone CRs visits only the lines that
hold the property's name (round ten): it gives the text and count of the line-by-line
walk for every text, every rewrite (keep, drop, replace, fold) and either name."""

from __future__ import annotations

from typing import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cms_dav.contacts import vcard_lines
from cms_dav.contacts.interactions import PROPERTY
from cms_dav.contacts.vcard_lines import CardParses, ContentLine, rewrite_lines

Rewrite = Callable[[ContentLine, str], "str | None"]

REWRITES: dict[str, Rewrite] = {
    "keep": lambda line, logical: logical,
    "drop": lambda line, logical: None,
    "replace": lambda line, logical: f"{line.name}:new\\, value",
    "long": lambda line, logical: logical + "ż" * 60,
    "first kept, later dropped": lambda line, logical: logical if "1" in logical else None,
}


def _walked(text: str, name: str, rewrite: Rewrite, monkeypatch: pytest.MonkeyPatch
            ) -> tuple[str, int]:
    with monkeypatch.context() as patched:
        patched.setattr(vcard_lines, "_flat", lambda text: False)
        patched.setattr(vcard_lines, "_cannot_hold", lambda text, wanted: False)
        return rewrite_lines(text, name, rewrite)


CARD = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u-1\r\nFN:Zofia\r\n"
        f"{PROPERTY}:i-1;call;20260101T100000Z;alice;;one\r\n"
        "NOTE:see x-cms-interaction and note\r\n"
        f"item1.{PROPERTY.lower()};X-A=1:i-2;call;20260101T100000Z;alice;;two\r\n"
        f"X-NOT-{PROPERTY}:x\r\n\u3000NOTE:odd space first\r\nnote:lower\r\n"
        f"{PROPERTY}\r\nEND:VCARD\r\n")


@pytest.mark.parametrize("name", [PROPERTY, "NOTE"])
@pytest.mark.parametrize("rewrite", REWRITES.values(), ids=REWRITES.keys())
@pytest.mark.parametrize("text", [CARD, CARD.replace("\r\n", "\n"), " " + CARD, "",
                                  CARD.replace("FN:", "FN:\r\n ")],
                         ids=["crlf", "lf", "leading-space", "empty", "folded"])
def test_the_flat_rewrite_is_the_line_walk(text: str, name: str, rewrite: Rewrite,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    assert rewrite_lines(text, name, rewrite) == _walked(text, name, rewrite, monkeypatch)
    assert rewrite_lines(text, name, rewrite, CardParses()) == \
        _walked(text, name, rewrite, monkeypatch)


def test_a_flat_text_is_rewritten_by_the_flat_path(monkeypatch: pytest.MonkeyPatch) -> None:
    visited: list[str] = []
    original = vcard_lines._rewrite_flat

    def spy(*args: object) -> tuple[str, int]:
        visited.append("flat")
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(vcard_lines, "_rewrite_flat", spy)
    assert rewrite_lines(CARD, "NOTE", REWRITES["drop"])[1] == 2
    assert visited == ["flat"]


_PIECES = st.sampled_from([
    "X-CMS-", "INTER", "ACTION", "x-cms-interaction", "NOTE", "note", "NO", "TE", ":v",
    ";X-ID=a", '"', "1", "item1.", "\r\n", "\n", "\r", " ", "\t", "FN:a", "ß", "ŉ", "ſ",
    "K", "é", "\u3000", "\x0b"])


@settings(max_examples=600, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join), st.sampled_from([PROPERTY, "NOTE"]),
       st.sampled_from(sorted(REWRITES)))
def test_the_flat_rewrite_is_the_line_walk_for_any_text(text: str, name: str,
                                                        rewrite: str) -> None:
    flat = rewrite_lines(text, name, REWRITES[rewrite])
    saved = vcard_lines._flat, vcard_lines._cannot_hold
    vcard_lines._flat = lambda text: False  # type: ignore[assignment]
    vcard_lines._cannot_hold = lambda text, wanted: False  # type: ignore[assignment]
    try:
        walked = rewrite_lines(text, name, REWRITES[rewrite])
    finally:
        vcard_lines._flat, vcard_lines._cannot_hold = saved  # type: ignore[assignment]
    assert flat == walked
