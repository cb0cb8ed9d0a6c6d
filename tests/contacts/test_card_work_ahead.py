"""A vCard write's pure work made ahead from its text alone (``cms-dav import``'s
workers, :mod:`cms_dav.contacts.card_work`): it is what the write computes itself, and
the upload filter and the index hook take it only for a write of exactly that text."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

import pytest

from cms_dav.contacts import index_store
from cms_dav.contacts.card_work import CardWork, card_work
from cms_dav.contacts.index_hook import SearchIndexHook
from cms_dav.contacts.interactions import add_interaction, parse_interactions
from cms_dav.contacts.timeline_note import TimelineOptions
from cms_dav.contacts.upload_filter import ContactUploadFilter
from cms_dav.contacts.validation import lint_card
from cms_dav.contacts.vcard_lines import CardParses
from cms_dav.store.records import ItemRecord
from tests.contacts.cards import card
from tests.contacts.test_interactions import make
from tests.contacts.test_upload_filter import BOOK, stored, upload

UNREADABLE = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN no colon here\r\nEND:VCARD\r\n"


def test_work_made_ahead_is_the_lint_and_analysis_of_the_write() -> None:
    text = card("EMAIL:not-an-address", "TEL:+48 600 100 200", "CATEGORIES:Ops")
    work = card_work(text, "PL")
    assert work.problems == tuple(lint_card(text))
    assert work.index == index_store.analyse(text, "PL", "/alice/contacts/u-1.vcf")


def test_no_analysis_is_made_ahead_where_it_would_log_and_nothing_is_logged(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="cms_dav.contacts"):
        work = card_work(UNREADABLE, "")
    assert work.index is None and not caplog.records
    # the write then analyses and logs it, naming the card's place
    with caplog.at_level(logging.WARNING, logger="cms_dav.contacts"):
        index_store.analyse(UNREADABLE, "", "/alice/contacts/x.vcf")
    assert "/alice/contacts/x.vcf" in caplog.text


def _faked(text: str, problem: str, region: str = "") -> CardWork:
    """Work for ``text`` that says ``problem``: whoever logs it took the work."""
    real = card_work(text, region)
    return CardWork(text, region, CardParses(), (problem,), real.index)


def _logged_problems(upload_filter: ContactUploadFilter, text: str,
                     caplog: pytest.LogCaptureFixture) -> str:
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="cms_dav.contacts"):
        upload_filter(None, BOOK, None, upload(text), actor="alice", attested=False)
    return caplog.text


def test_the_upload_filter_takes_lint_made_ahead_only_for_the_same_text(
        caplog: pytest.LogCaptureFixture) -> None:
    upload_filter = ContactUploadFilter(TimelineOptions(entries=0))
    text = card()
    upload_filter.take_ahead(_faked(text, "made ahead"))
    assert "made ahead" not in _logged_problems(upload_filter, card("NOTE:other"), caplog)
    assert "made ahead" in _logged_problems(upload_filter, text, caplog)
    # taken once: the next write of the text lints it itself
    assert "made ahead" not in _logged_problems(upload_filter, text, caplog)


def test_the_index_hook_takes_an_analysis_made_ahead_only_for_its_region() -> None:
    hook = SearchIndexHook("PL")
    text = card("TEL:600 100 200")
    hook.take_ahead(card_work(text, "DE"))
    assert hook.ahead.take((text, "PL")) is None
    hook.take_ahead(card_work(text, "PL"))
    assert hook.ahead.take((text, "PL")) == card_work(text, "PL").index


def test_an_unreadable_card_leaves_the_index_hook_nothing_ahead() -> None:
    hook = SearchIndexHook("")
    hook.take_ahead(card_work(UNREADABLE, ""))
    assert len(hook.ahead) == 0


SECONDS = (datetime(2026, 12, 3, 13, 0, 0, tzinfo=timezone.utc),
           datetime(2026, 12, 3, 13, 0, 1, tzinfo=timezone.utc),
           datetime(2026, 12, 4, 9, 30, 17, tzinfo=timezone.utc))
TYPED = card("NOTE:mine\\n\\n=== Timeline [cms-dav] ===\\n+ call: rang back"
             "\\n=== end [cms-dav] ===")
FOLDED = card("X-CMS-INTER\r\n ACTION:i-1;call;20260101T000000Z;bob;;hi")


def _plans(text: str, old: ItemRecord | None = None, **made: Any) -> set[tuple[object, ...]]:
    """The full plan (nothing made ahead) of a client's upload of ``text`` at each of
    :data:`SECONDS` by each of three uploaders: (text stored, logs, tampered) of each."""
    upload_filter = ContactUploadFilter(**made)
    return {(plan.text, plan.logs, plan.tampered)
            for now in SECONDS for actor in ("alice", "bob", "")
            for plan in [upload_filter._plan(BOOK, old, upload(text), actor, False, now)]}


@pytest.mark.parametrize("text", [
    card(), card("NOTE:a note\\, with a comma", "EMAIL:not-an-address", "TEL:+48 600 100 200"),
    card("NOTE:=== not the block ===", "ORG:Acme", version="3.0")])
def test_a_new_card_without_history_or_block_is_planned_alike_whatever_the_second_and_uploader(
        text: str) -> None:
    assert card_work(text, "").new_unchanged
    plans = _plans(text)
    assert len(plans) == 1 and next(iter(plans))[0] is None  # stored as sent
    upload_filter = ContactUploadFilter()
    upload_filter.take_ahead(card_work(text, ""))
    ahead = upload_filter._plan(BOOK, None, upload(text), "alice", False, SECONDS[0])
    assert {(ahead.text, ahead.logs, ahead.tampered)} == plans


@pytest.mark.parametrize("text", [add_interaction(card(), make()), TYPED, FOLDED, UNREADABLE])
def test_a_card_with_history_or_a_timeline_block_is_not_planned_ahead(text: str) -> None:
    assert not card_work(text, "").new_unchanged


def test_a_card_with_a_typed_timeline_line_is_planned_by_the_second_it_is_written() -> None:
    # why the plan is made ahead only for cards without one (typed ids hold the day)
    assert len(_plans(TYPED)) > 1


def test_a_new_card_whose_custom_fields_the_block_shows_is_planned_in_full() -> None:
    text = card("NOTE:mine")
    upload_filter = ContactUploadFilter(field_rows=lambda *_: [("Tier", "gold")])
    upload_filter.take_ahead(card_work(text, ""))
    plan = upload_filter._plan(BOOK, None, upload(text), "alice", False, SECONDS[0])
    assert plan.text is not None and "Tier: gold" in plan.text
    assert {(plan.text, plan.logs, plan.tampered)} \
        == _plans(text, field_rows=lambda *_: [("Tier", "gold")])


def test_an_upload_over_a_stored_card_is_planned_in_full() -> None:
    text = card("NOTE:edited")
    upload_filter = ContactUploadFilter(TimelineOptions(entries=0))
    upload_filter.take_ahead(card_work(text, ""))
    result = upload_filter(None, BOOK, stored(add_interaction(card(), make())), upload(text),
                           actor="alice", attested=False)
    assert parse_interactions(result.text) == [make()]  # the stored history put back
