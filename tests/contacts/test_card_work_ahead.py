"""A vCard write's pure work made ahead from its text alone (``cms-dav import``'s
workers, :mod:`cms_dav.contacts.card_work`): it is what the write computes itself, and
the upload filter and the index hook take it only for a write of exactly that text."""

from __future__ import annotations

import logging

import pytest

from cms_dav.contacts import index_store
from cms_dav.contacts.card_work import CardWork, card_work
from cms_dav.contacts.index_hook import SearchIndexHook
from cms_dav.contacts.timeline_note import TimelineOptions
from cms_dav.contacts.upload_filter import ContactUploadFilter
from cms_dav.contacts.validation import lint_card
from cms_dav.contacts.vcard_lines import CardParses
from tests.contacts.cards import card
from tests.contacts.test_upload_filter import BOOK, upload

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
