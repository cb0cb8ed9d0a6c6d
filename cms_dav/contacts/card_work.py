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
from cms_dav.contacts.validation import lint_card
from cms_dav.contacts.vcard_lines import CardParses


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

    @property
    def weight(self) -> int:
        """About the characters it holds (for :class:`~.prepared.PreparedWork`)."""
        return 3 * len(self.text) + self.parses.weight


def card_work(text: str, region: str, tree: Any = None, checked: Limits | None = None
              ) -> CardWork:
    """The work for ``text`` (``tree``: vobject's parse of it, when made already;
    ``checked``: the limits it passed, :attr:`CardWork.checked`). The index comes with
    its :func:`~.index_store.row_parts`, which the write would make from it alone."""
    parses = CardParses()
    problems = tuple(lint_card(text, parses=parses))
    with _logged(index_store.log) as records:
        index = index_store.analyse(text, region, "", tree, None, parses)
    if records:
        return CardWork(text, region, parses, problems, None, checked)
    index.parts = index_store.row_parts(index)
    return CardWork(text, region, parses, problems, index, checked)


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
