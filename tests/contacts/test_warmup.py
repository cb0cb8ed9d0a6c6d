"""The serve-time warm-up exercises every lazily loaded part of indexing."""

from __future__ import annotations

from cms_dav.contacts.index_store import analyse
from cms_dav.warmup import SAMPLE_CARD, warm_up


def test_the_sample_card_reaches_pinyin_accent_folding_and_phone_parsing() -> None:
    index = analyse(SAMPLE_CARD, "", "warm-up")
    terms = {term for _field, term in index.terms}
    assert index.fields is not None and index.values is not None
    assert any("zhang" in term for term in terms), "pinyin was not computed"
    assert any("lukasz" in term for term in terms), "accents were not folded"
    assert any(term.startswith("+48601234567") or "48601234567" in term for term in terms), \
        "the phone was not normalized"


def test_warm_up_reports_the_time_it_took() -> None:
    assert warm_up("PL") >= 0.0
