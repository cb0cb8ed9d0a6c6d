"""The store's upload filter for contacts: an append-only, server-attested history and
the timeline block in NOTE; lint problems are logged.

:func:`cms_dav.app.build_app` passes it to the App's store as an upload filter
(``Store(..., upload_filters=(ContactUploadFilter(...),))``); the store calls it inside
the write transaction with the acting user, so its audit entries commit or roll back
with the write.

For a client's upload (``attested=False``: PUT, import) the history rules of
:func:`~cms_dav.contacts.interactions.review_upload` apply (issue 14 item 5) and lines
typed into the NOTE block become interactions (:mod:`cms_dav.contacts.timeline_note`,
item 4). A write the server made from stored text (``notes add|remove|done|reopen``,
trash restore, dedupe: ``attested=True``) keeps its history as given; the block is
rendered anew either way.

When the text changes, the returned ItemData carries the new text and its ETag, so
the response to the PUT cannot claim the client's bytes were stored as sent
(RFC 6352 §6.3.2.3: no strong ETag for a modified upload) and the client's next
sync fetches the merged card.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, Sequence

from cms_dav.contacts.card_work import CardWork
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.interactions import review_upload
from cms_dav.contacts.prepared import PARSES_LIMIT, PreparedWork
from cms_dav.contacts.timeline_note import TimelineOptions, refresh_note
from cms_dav.contacts.validation import lint_card
from cms_dav.contacts.vcard_lines import CardParses
from cms_dav.store import audit, paths
from cms_dav.store.records import CollectionRecord, ItemData, ItemRecord

log = logging.getLogger("cms_dav.contacts")

#: audit action of an upload that tried to change stored interactions
TAMPER_ACTION = "contact.note.tamper"
#: the author of entries uploaded without a logged-in user (never the client's claim)
ANONYMOUS = "anonymous"


def etag_of(text: str) -> str:
    """The ETag Radicale gives a text (radicale.item.get_etag), recomputed for merged text."""
    return '"%s"' % hashlib.sha256(text.encode()).hexdigest()


def _utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _no_fields(vcard_text: str, language: str,
               parses: CardParses | None = None) -> Sequence[tuple[str, str]]:
    return ()


@dataclasses.dataclass(frozen=True)
class ContactUploadFilter:
    """UploadFilter: see the module docstring. Returns ``data`` itself when nothing
    changed (the store compares identity). Never refuses an upload: Radicale already
    accepted the card, and a card we cannot read is stored as sent (and logged)."""

    timeline: TimelineOptions = TimelineOptions()
    clock: Callable[[], datetime] = _utc_now
    #: the card's custom fields as (label, value) rows in a language, for the block
    field_rows: Callable[[str, str, CardParses | None], Sequence[tuple[str, str]]] = _no_fields

    #: plans made before the write lock (:meth:`prepare`), taken by the write
    prepared: PreparedWork["_Plan"] = dataclasses.field(
        default_factory=PreparedWork, compare=False, repr=False)
    #: where each plan's parses go, by the text it stores: the ``parses`` of the write
    #: hooks that read that text next (``build_app``: the search and field index hooks)
    hand_to: tuple[PreparedWork[CardParses], ...] = dataclasses.field(
        default=(), compare=False, repr=False)
    #: the lint and parses of uploads made ahead (:meth:`take_ahead`), by the upload's text
    ahead: PreparedWork[CardWork] = dataclasses.field(
        default_factory=lambda: PreparedWork(limit=PARSES_LIMIT), compare=False, repr=False)

    def take_ahead(self, work: CardWork) -> None:
        """Keep ``work`` (made from the upload's text alone, in an import's worker) for
        the plan of an upload of exactly that text: its lint problems and parses."""
        self.ahead.put(work.text, work, weight=work.weight)

    def prepare(self, collection: CollectionRecord, old: ItemRecord | None,
                data: ItemData, *, actor: str, attested: bool) -> ItemData:
        """What :meth:`__call__` will store, computed before the write lock with the
        stored card read outside it; the write reuses the plan when its inputs (the
        stored card's ETag among them) are the same (:mod:`.prepared`)."""
        if data.name.upper() != "VCARD":
            return data
        now = self.clock()
        plan = self._plan(collection, old, data, actor, attested, now)
        self.prepared.put(self._key(collection, old, data, actor, attested, now), plan,
                          weight=len(data.text) + len(plan.text or "") + plan.parses.weight)
        self._hand_over(plan, data)
        return plan.stored(data)

    def __call__(self, conn: Any, collection: CollectionRecord, old: ItemRecord | None,
                 data: ItemData, *, actor: str, attested: bool) -> ItemData:
        if data.name.upper() != "VCARD":  # Radicale leaves component empty for vCards
            return data
        now = self.clock()
        plan = self.prepared.take(self._key(collection, old, data, actor, attested, now))
        if plan is None:
            plan = self._plan(collection, old, data, actor, attested, now)
            self._hand_over(plan, data)
        for level, message, args in plan.logs:
            log.log(level, message, *args)
        if plan.tampered and old is not None:
            audit.record(conn, actor, TAMPER_ACTION, paths.join(collection.path, old.href),
                         {"notes": list(plan.tampered), "uid": data.uid})
        return plan.stored(data)

    def _hand_over(self, plan: "_Plan", data: ItemData) -> None:
        """Hand the plan's parses to the hooks that read the text it stores."""
        text = plan.text if plan.text is not None else data.text
        weight = plan.parses.weight  # summed over the parses: once, not once per hook
        for hooks_parses in self.hand_to:
            hooks_parses.put(text, plan.parses, weight=weight)

    def _key(self, collection: CollectionRecord, old: ItemRecord | None, data: ItemData,
             actor: str, attested: bool, now: datetime) -> tuple[Any, ...]:
        return (collection.id, collection.path, tuple(sorted(collection.props.items())),
                old.etag if old else None, data.text, data.uid, actor, attested, now)

    def _plan(self, collection: CollectionRecord, old: ItemRecord | None, data: ItemData,
              actor: str, attested: bool, now: datetime) -> "_Plan":
        """The pure part: what to store and what to log (nothing written here). Each of
        its steps reads the texts through one :class:`CardParses`."""
        where = f"/{collection.path}/ (UID {data.uid})"
        work = self.ahead.take(data.text)
        parses = work.parses if work is not None else CardParses()
        problems = work.problems if work is not None else lint_card(data.text, parses=parses)
        logs: list[tuple[int, str, tuple[Any, ...]]] = [
            (logging.WARNING, "%s: %s", (where, problem)) for problem in problems]
        text = data.text
        tampered: tuple[str, ...] = ()
        if old is None and not attested and work is not None and work.new_unchanged:
            # a new card with no history and no timeline block (made ahead from its text
            # alone: CardWork.new_unchanged): the review and the refresh below leave the
            # text as sent, whatever ``now`` and ``actor``, unless the block would show
            # the book's custom fields of the card
            rows = self._field_rows(collection, text, parses)
            if rows is not None and not rows:
                return _Plan(tuple(logs), None, (), parses)
        if not attested:
            try:
                review = review_upload(old.text if old else None, text, actor or ANONYMOUS,
                                       now, parses)
            except ContactError as exc:
                logs.append((logging.WARNING, "%s: interactions not reviewed: %s",
                             (where, exc)))
                return _Plan(tuple(logs), None, (), parses)
            text = review.text
            if review.tampered and old is not None:
                tampered = tuple(review.tampered)
                logs.append((logging.WARNING,
                             "%s: %s tried to change stored interactions %s; kept them",
                             (where, actor, ", ".join(review.tampered))))
        options = self.timeline.for_book(collection.props)
        try:
            rows = self.field_rows(text, options.language, parses) \
                if options is not None else ()
            text, _ = refresh_note(text, data.uid, options,
                                   None if attested else actor or ANONYMOUS, now, rows, parses)
        except ContactError as exc:
            logs.append((logging.WARNING, "%s: timeline block not refreshed: %s",
                         (where, exc)))
        if text == data.text:
            return _Plan(tuple(logs), None, tampered, parses)
        logs.append((logging.INFO,
                     "%s: stored the server's history and timeline, not the client's copy",
                     (where,)))
        return _Plan(tuple(logs), text, tampered, parses)


    def _field_rows(self, collection: CollectionRecord, text: str, parses: CardParses
                    ) -> Sequence[tuple[str, str]] | None:
        """The custom field rows the timeline block of ``text`` would show in
        ``collection`` (none when the block is off there); None when they cannot be
        read (the full plan then logs why)."""
        options = self.timeline.for_book(collection.props)
        if options is None:
            return ()
        try:
            return self.field_rows(text, options.language, parses)
        except ContactError:
            return None


@dataclasses.dataclass(frozen=True)
class _Plan:
    """What the filter does to one upload: log lines, the text to store instead of the
    upload's (None: the upload as it is), the stored interactions it tried to change,
    and the parses it made of its texts."""

    logs: tuple[tuple[int, str, tuple[Any, ...]], ...]
    text: str | None
    tampered: tuple[str, ...]
    parses: CardParses

    def stored(self, data: ItemData) -> ItemData:
        if self.text is None:
            return data
        return dataclasses.replace(data, text=self.text, etag=etag_of(self.text))
