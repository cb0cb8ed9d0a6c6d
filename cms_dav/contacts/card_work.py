"""The pure work a write does with one uploaded vCard text, made ahead of the write
(in ``cms-dav import``'s worker processes, issue 19 target 5).

The contact upload filter lints the upload (its line parse, its fields, its phone
numbers) and the search index hook analyses the stored card (fields, terms, DAV values);
for a card the filter stores as sent, both are functions of the text alone (and of the
index's default region). :func:`card_work` makes them where the text is read, and
:meth:`cms_dav.store.store.Store.offer_ahead` hands them to the filter and the hook,
which take them only for exactly that text (and region) and compute the work themselves
otherwise, so what is stored and logged does not change.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from cms_dav.config import Limits
from cms_dav.contacts import index_store
from cms_dav.contacts.interactions import PROPERTY
from cms_dav.contacts.timeline_note import split_note
from cms_dav.contacts.validation import lint_card
from cms_dav.contacts.vcard_lines import CardParses, card_lines, rewrite_lines, unescape


@dataclass(frozen=True)
class CardWork:
    """What a write of ``text`` would compute from it alone."""

    text: str
    #: the default region ``index`` was made with
    region: str
    #: the line parses and what was derived from them (fields), for the filter's other
    #: steps and the hooks
    parses: CardParses
    #: ``lint_card(text)``: the problems the upload filter logs
    problems: tuple[str, ...]
    #: ``index_store.analyse`` of ``text``; None where the analysis would log a warning
    #: (it must then be made, and logged, by the write that names the card's place)
    index: index_store.CardIndex | None
    #: the ``[limits]`` ``text`` passed as a vCard (``check_item_text`` with the
    #: address book's tag) where it was read; None: not checked there. The store then
    #: does not scan the very same text against the same limits again
    #: (``Store.offer_ahead``)
    checked: Limits | None = None
    #: :func:`unchanged_when_new` of ``text``: the upload filter stores it as sent when
    #: no card is stored at its place, whatever the clock and the uploader
    new_unchanged: bool = False

    @property
    def weight(self) -> int:
        """About the characters it holds (for :class:`~.prepared.PreparedWork`)."""
        return 3 * len(self.text) + self.parses.weight


def card_work(text: str, region: str, tree: Any = None, checked: Limits | None = None,
              parses: CardParses | None = None) -> CardWork:
    """The work for ``text`` (``tree``: vobject's parse of it, when made already;
    ``checked``: the limits it passed, :attr:`CardWork.checked`; ``parses``: parses of
    ``text``'s lines made already, e.g. by ``vcard_to_record(text, parses)``, none of
    another text). The index comes with its :func:`~.index_store.row_parts`, which the
    write would make from it alone."""
    parses = CardParses() if parses is None else parses
    problems = tuple(lint_card(text, parses=parses))
    with _logged(index_store.log) as records:
        index = index_store.analyse(text, region, "", tree, None, parses)
    unchanged = unchanged_when_new(text, parses)
    if records:
        return CardWork(text, region, parses, problems, None, checked, unchanged)
    index.parts = index_store.row_parts(index)
    return CardWork(text, region, parses, problems, index, checked, unchanged)


def unchanged_when_new(text: str, parses: CardParses | None = None) -> bool:
    """Whether the contact upload filter's plan for a client's upload of ``text`` where
    no card is stored leaves the text as sent whatever the clock's second and the
    uploader (issue 19 target 5: the importer then skips the plan's history review and
    timeline refresh): the card reads as one vCard, it has no interaction line (none for
    ``review_upload`` to attest at the second, none for the block to list) and no NOTE
    holds a timeline block (no line typed into one to record). The block the filter
    would add for the custom fields it shows depends on the book: the filter checks
    that itself (``ContactUploadFilter._plan``). False when anything fails: the full
    plan then decides."""
    try:
        lines = card_lines(text, parses)
        if any(line.name == PROPERTY for line in lines):
            return False
        met: list[str] = []

        def seen(line: object, logical: str) -> str:
            met.append(logical)
            return logical

        # review_upload's own scan of the interaction lines (rewrite_lines) finds none
        rewrite_lines(text, PROPERTY, seen, parses)
        if met:
            return False
        return not any(line.name == "NOTE" and split_note(unescape(line.value))[1] is not None
                       for line in lines)
    except Exception:  # noqa: BLE001 - the full plan meets it and decides
        return False


@contextmanager
def _logged(logger: logging.Logger) -> Iterator[list[logging.LogRecord]]:
    """The records ``logger`` is given inside the block, kept from its handlers."""
    records: list[logging.LogRecord] = []

    def keep(record: logging.LogRecord) -> bool:
        records.append(record)
        return False

    logger.addFilter(keep)
    try:
        yield records
    finally:
        logger.removeFilter(keep)
