"""Segment membership kept inside every write (issue 14 item 3): O(changes).

:class:`SegmentHook` is a store ``WriteHook`` (:func:`cms_dav.app.build_app` puts it
after the index hooks). When a card of a source book is written, deleted or moved, it
re-evaluates only the UIDs that write touched, for each segment over that book and each
viewer whose segment book exists and who may read the book, and puts, replaces or
removes that one copy, with its change-log row: the segment's sync token moves in the
same transaction, so the next ``sync-collection`` (RFC 6578 §3.5) reports the card as
200 (entered or changed) or 404 (left), and no other member is touched.

Matching is answered from the index rows the earlier hooks just wrote in this
transaction, by the same query as the full rebuild (:mod:`cms_dav.contacts.segment_sources`),
not by evaluating the card: both ways then agree on what a condition means (typed
comparisons, category membership by group cards) by construction.

Left to the full rebuild on the next read (:mod:`cms_dav.contacts.segments`): a group
card changed under a segment with a ``category`` filter (it changes other cards'
membership), a segment whose conditions no longer parse, and an upkeep that failed
(logged; the source write itself never fails because of a segment).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from cms_dav.acl.generated import MARKER
from cms_dav.contacts.card_fields import extract_fields
from cms_dav.contacts.conditions import BoundCondition, ConditionError, parse_conditions
from cms_dav.contacts.field_defs import FieldSet
from cms_dav.contacts.segment_sources import (ACTOR, Source, aside_name, copy_of,
                                              marker_value, matching, readable,
                                              source_books, viewers, where_of)
from cms_dav.memo import Memo
from cms_dav.store import collections, derived, items
from cms_dav.store.records import CollectionRecord, ItemRecord
from cms_dav.store.schema import contact_cards
from cms_dav.store.schema import items as item_rows
from cms_dav.store.segment_table import SegmentRecord, all_segments

if TYPE_CHECKING:
    from cms_dav.acl.policy import Policy
    from cms_dav.store.store import WriteHook

logger = logging.getLogger("cms_dav.contacts.segments")


class SegmentHook:
    """Keeps the copies of one written card current in every segment book."""

    def __init__(self, policy: Policy, fields: Callable[[], FieldSet], token_days: int,
                 copy_hooks: Sequence[WriteHook] = ()) -> None:
        self.policy = policy
        self.fields = fields
        self.token_days = token_days
        #: the index hooks, run for the copies too (as ``Store.regenerate`` does)
        self.copy_hooks = tuple(copy_hooks)

    def item_written(self, conn: Connection, collection: CollectionRecord,
                     new: ItemRecord, old: ItemRecord | None) -> None:
        self._changed(conn, collection, [new] + ([old] if old is not None else []))

    def items_written(self, conn: Connection, collection: CollectionRecord,
                      written: Sequence[tuple[ItemRecord, ItemRecord | None]]) -> None:
        """:meth:`item_written` of several writes, in order (``Store.put_items``): the
        segments are read once for them all."""
        records = self._segments_over(conn, collection)
        for new, old in written if records else ():
            self._changed_in(conn, collection, [new] + ([old] if old is not None else []),
                             records)

    def item_deleted(self, conn: Connection, collection: CollectionRecord,
                     old: ItemRecord) -> None:
        self._changed(conn, collection, [old])

    @staticmethod
    def _segments_over(conn: Connection, collection: CollectionRecord
                       ) -> list[SegmentRecord]:
        if collection.tag != "VADDRESSBOOK" or MARKER in collection.props:
            return []
        return [r for r in all_segments(conn) if collection.path in r.sources]

    # -- parts -------------------------------------------------------------------------
    def _changed(self, conn: Connection, collection: CollectionRecord,
                 versions: list[ItemRecord]) -> None:
        self._changed_in(conn, collection, versions, self._segments_over(conn, collection))

    def _changed_in(self, conn: Connection, collection: CollectionRecord,
                    versions: list[ItemRecord], records: list[SegmentRecord]) -> None:
        """The segments ``records`` (those drawing on ``collection``) after a change of
        the items ``versions`` (new and old)."""
        if not records:
            return
        uids = sorted({v.uid for v in versions if v.uid})
        group_card = any(v.text and extract_fields(v.text).is_group for v in versions)
        # one memo per write: the viewers share the sources' lookups (rules, generated)
        policy = self.policy.remembering(Memo())
        for record in records:
            try:
                bound = parse_conditions(where_of(record), self.fields())
            except ConditionError:
                continue  # the read-time rebuild logs it and keeps the book as it was
            sources = source_books(conn, record)
            # matched once per segment; each viewer then takes its first readable hit
            hits = {uid: self._hits(conn, record, sources, bound, uid) for uid in uids}
            for viewer in viewers(policy, record):
                self._update_book(conn, policy, collection, record, viewer, sources, hits,
                                  group_card)

    @staticmethod
    def _hits(conn: Connection, record: SegmentRecord, sources: list[Source],
              bound: list[BoundCondition], uid: str) -> dict[int, str]:
        """Source book id -> href of the cards with ``uid`` that meet the filter."""
        rows = conn.execute(select(contact_cards.c.item_id, contact_cards.c.collection_id,
                                   contact_cards.c.href).where(
            contact_cards.c.collection_id.in_([s.id for s in sources]),
            contact_cards.c.uid == uid)).all()
        found = matching(conn, record, sources, bound, among=[row.item_id for row in rows])
        return {row.collection_id: row.href for row in rows if row.item_id in found}

    def _update_book(self, conn: Connection, policy: Policy, collection: CollectionRecord,
                     record: SegmentRecord, viewer: str, sources: list[Source],
                     hits: dict[str, dict[int, str]], group_card: bool) -> None:
        path = f"{viewer}/{record.name}"
        book = collections.get(conn, path)
        if book is None or book.props.get(MARKER) != marker_value(record.name):
            return  # not published yet: its first read builds it whole
        if group_card and record.filters.get("category"):
            derived.forget(conn, path)  # membership of other cards changed
            return
        try:
            with conn.begin_nested():
                allowed = readable(policy, viewer, sources)
                if any(s.id == collection.id for s in allowed):
                    for uid, where in hits.items():
                        winner = next((s for s in allowed if s.id in where), None)
                        self._update_copy(conn, book, uid, winner,
                                          where[winner.id] if winner else "")
        except Exception:  # noqa: BLE001 - the source write must not fail for a copy
            logger.exception("segment /%s/: upkeep failed, rebuilt on next read", path)
            derived.forget(conn, path)

    def _update_copy(self, conn: Connection, book: CollectionRecord, uid: str,
                     winner: Source | None, href: str) -> None:
        """Make the segment hold the copy of ``uid`` the full rebuild would (the card at
        ``href`` of ``winner``, the viewer's first readable source where it matches), or
        none."""
        current_href = conn.execute(select(item_rows.c.href).where(
            item_rows.c.collection_id == book.id, item_rows.c.uid == uid)).scalar()
        current = items.get(conn, book.id, current_href) if current_href else None
        source_item = items.get(conn, winner.id, href) if winner is not None else None
        if winner is None or source_item is None or source_item.text is None:
            if current is not None:
                self._remove(conn, book, current)
            return
        name = self._name(conn, book, winner, source_item, current)
        if current is not None and current.href != name:
            self._remove(conn, book, current)
            current = None
        if current is not None and current.text == source_item.text:
            return
        new, old = items.put(conn, book, name, copy_of(source_item), ACTOR,
                             self.token_days, old=current)
        for hook in self.copy_hooks:
            hook.item_written(conn, book, new, old)

    @staticmethod
    def _name(conn: Connection, book: CollectionRecord, source: Source, item: ItemRecord,
              current: ItemRecord | None) -> str:
        """The source href, unless another card's copy holds it (then the book's name in
        front, as the full rebuild names it)."""
        if current is not None and current.href in (item.href, aside_name(source, item.href)):
            return current.href
        holder = items.get(conn, book.id, item.href, with_text=False)
        return item.href if holder is None else aside_name(source, item.href)

    def _remove(self, conn: Connection, book: CollectionRecord, copy: ItemRecord) -> None:
        items.remove(conn, book, copy.href, ACTOR, self.token_days, action=derived.REGENERATED)
        for hook in self.copy_hooks:
            hook.item_deleted(conn, book, copy)
