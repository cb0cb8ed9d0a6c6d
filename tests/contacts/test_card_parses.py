"""One write's :class:`~cms_dav.contacts.vcard_lines.CardParses` changes no value it
derives (issue 19): every step of an upload read through one set of parses (lint,
history review, field rows, timeline block, fields, dates, field index rows, index
analysis) gives what the same step gives reading each text on its own, on the
third-party corpus (``../shared/corpus``) and on bench cards; and the faster ``fold``
and one-line unfold cut where the character walk and the regex unfold do."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from bench import data
from cms_dav.app import build_app
from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.config import load_settings
from cms_dav.contacts import vcard_lines
from cms_dav.contacts import field_index, index_store
from cms_dav.contacts.anniversaries import dates_of
from cms_dav.contacts.card_fields import extract_fields
from cms_dav.contacts.custom_fields import card_field_values
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.interactions import review_upload
from cms_dav.contacts.timeline_note import TimelineOptions, refresh_note
from cms_dav.contacts.upload_filter import ContactUploadFilter
from cms_dav.contacts.validation import lint_card
from cms_dav.contacts.vcard_lines import CardParses, _logical, fold, unfold
from tests.store.corpus_objects import corpus_objects
from tests.wsgi.wsgi_call import WSGIApp, call

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=timezone.utc)
OPTIONS = TimelineOptions(20, "pl")


def _outcome(step: Any) -> Any:
    """What a step gives, or the type and message of what it raises."""
    try:
        return step()
    except ContactError as exc:
        return ("raised", type(exc).__name__, str(exc))


def _steps(stored: str | None, text: str, parses: CardParses | None) -> list[Any]:
    """The upload filter's and the index hooks' reads of one upload, in their order."""
    found: list[Any] = [_outcome(lambda: lint_card(text, "PL", parses=parses))]
    review = _outcome(lambda: review_upload(stored, text, "alice", NOW, parses))
    found.append(review)
    reviewed = review.text if not isinstance(review, tuple) else text
    found.append(card_field_values(reviewed, parses))
    note = _outcome(lambda: refresh_note(reviewed, "uid-1", OPTIONS, "alice", NOW,
                                         (("Umowa", "A-1"),), parses))
    found.append(note)
    final = reviewed if note[0] == "raised" else note[0]
    found.append(_outcome(lambda: extract_fields(final, "PL", parses)))
    found.append(dates_of(final, parses))
    found.append(field_index.field_rows(final, parses))
    found.append(index_store.analyse(final, "PL", "/alice/book/x.vcf", parses=parses))
    return found


def _same_with_and_without_parses(stored: str | None, text: str) -> None:
    assert _steps(stored, text, CardParses()) == _steps(stored, text, None)


def _corpus_cards() -> list[tuple[str, str]]:
    return [(item.id, item.body.decode("utf-8", "replace"))
            for item in corpus_objects() if item.card]


@pytest.mark.parametrize(("object_id", "text"), _corpus_cards(),
                         ids=[object_id for object_id, _ in _corpus_cards()])
def test_corpus_card_reads_the_same_through_one_write_s_parses(object_id: str,
                                                               text: str) -> None:
    _same_with_and_without_parses(None, text)


def test_bench_cards_read_the_same_through_one_write_s_parses_as_new_cards() -> None:
    for index in range(40):
        _same_with_and_without_parses(None, data.make_card(index, 3).decode())


def test_bench_card_updates_read_the_same_through_one_write_s_parses() -> None:
    """An update: the stored card carries entries the upload changes or lacks."""
    for index in range(40):
        stored = data.make_card(index, 3).decode()
        upload = data.make_card(index, 3, revision=1).decode()
        _same_with_and_without_parses(stored, upload)


def test_a_stored_card_uploaded_again_reads_the_same_through_one_write_s_parses() -> None:
    """The card the server stored (history attested, timeline block in NOTE) sent back."""
    for index in range(20):
        upload = data.make_card(index, 3).decode()
        review = review_upload(None, upload, "alice", NOW)
        stored, _ = refresh_note(review.text, "uid-1", OPTIONS, "alice", NOW)
        _same_with_and_without_parses(stored, stored)


def test_a_card_with_a_damaged_interaction_reads_the_same_through_one_write_s_parses(
        ) -> None:
    upload = data.make_card(7, 3).decode().replace(
        "END:VCARD", "X-CMS-INTERACTION:i-bad;call;not-a-time;bob;;x\r\nEND:VCARD")
    _same_with_and_without_parses(None, upload)


def test_a_parse_error_is_raised_again_by_every_step_that_reads_the_text() -> None:
    parses = CardParses()
    broken = "BEGIN:VCARD\r\nVERSION:3.0\r\nno colon here\r\nEND:VCARD\r\n"
    assert lint_card(broken, parses=parses) == lint_card(broken)
    with pytest.raises(ContactError):
        extract_fields(broken, "", parses)
    with pytest.raises(ContactError):
        extract_fields(broken, "", parses)


def _walked(line: str, limit: int) -> list[str]:
    """The character walk ``fold`` made before it cut octets."""
    if len(line.encode("utf-8")) <= limit:
        return [line]
    pieces: list[str] = []
    current: list[str] = []
    size, budget = 0, limit
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > budget:
            pieces.append("".join(current))
            current, size, budget = [], 0, limit - 1
        current.append(char)
        size += width
    pieces.append("".join(current))
    return [pieces[0]] + [" " + piece for piece in pieces[1:]]


def test_fold_cuts_where_the_character_walk_cuts() -> None:
    rng = random.Random(19)
    alphabet = "abcXYZ;:,\\ \tóżł€中文😀"
    for _ in range(3000):
        line = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 260)))
        limit = rng.choice((4, 5, 6, 10, 74, 75, 76))
        assert fold(line, limit) == _walked(line, limit), (line, limit)


def test_a_one_line_block_unfolds_as_the_regex_unfold_does() -> None:
    for physical in ("NOTE:a\r\n", "NOTE:a\n", "NOTE:a", "  \r\n", "\r\n", "", " x\n",
                     "NOTE:a\rb\n", "NOTE:a\r\r\n", "NOTE:a\r\n\r\n", "\tNOTE:x\r\n"):
        assert _logical([physical]) == "".join(unfold(physical)), physical


@pytest.fixture
def parsed_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                 ) -> tuple[WSGIApp, Counter[str]]:
    """The app (its contact filter's clock fixed, so the plan made before the lock is
    the one the write takes) and how often each logical line was parsed."""
    settings = load_settings(data_dir=tmp_path)
    HtpasswdFile(settings.htpasswd_file, rounds=4).add("alice", "alice-pw")
    built = build_app(settings)
    built.store.upload_filters = tuple(
        dataclasses.replace(each, clock=lambda: NOW)
        if isinstance(each, ContactUploadFilter) else each
        for each in built.store.upload_filters)
    wsgi = built.wsgi()
    assert call(wsgi, "PROPFIND", "/alice/contacts/", headers={"Depth": "0"}).code == 207
    counted: Counter[str] = Counter()
    original = vcard_lines.parse_line

    def parse_line(line: str) -> vcard_lines.ContentLine:
        counted[line] += 1
        return original(line)

    monkeypatch.setattr(vcard_lines, "parse_line", parse_line)
    return wsgi, counted


def test_a_put_parses_each_logical_line_of_its_texts_once(
        parsed_lines: tuple[WSGIApp, Counter[str]]) -> None:
    """The upload, the upload with its history attested and the card with its timeline
    block share their lines: the filter, the index analysis and the field index read
    them through the filter's parses (a card with interactions, so all three differ)."""
    wsgi, counted = parsed_lines
    body = data.make_card(5, 3)
    assert b"X-CMS-INTERACTION" in body
    answer = call(wsgi, "PUT", "/alice/contacts/five.vcf", body,
                  headers={"Content-Type": "text/vcard", "If-None-Match": "*"})
    assert answer.code == 201
    assert counted and max(counted.values()) == 1, counted.most_common(3)
