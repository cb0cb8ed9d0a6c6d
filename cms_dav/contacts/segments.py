"""Smart address books (issue 14 item 3): a saved filter published as a read-only,
server-generated address book in its owner's home (for a group: in each member's home).

The segment ``/VIEWER/NAME/`` holds copies (same href, same text) of the cards of the
source books that meet the filter, taken only from the sources the VIEWER may read
(the App's :class:`~cms_dav.acl.policy.Policy`).

Two ways keep it current, both through the store's change log, so ``sync-collection``
clients get exact deltas (RFC 6578 §3.5: a card leaving is a 404 entry, entering or
changed a 200 entry):

* every write into a source book updates the copies of THAT card in the same
  transaction (:class:`cms_dav.contacts.segment_hook.SegmentHook`): O(changes);
* a full rebuild (this module) when what no card write shows changed: the definition,
  the viewer's readable sources (rights, shares, group membership), the field
  definitions, a source book replaced, ``cms-dav reindex``, or the day (for
  ``--not-contacted-since``, which moves with the clock). It runs on a request on the
  segment or a listing of the home, only when a fingerprint of those inputs differs
  from the stored one; a read of an unchanged segment costs a few lookups.

Writes are refused by the ACL (the collection carries the generated marker, value
``segment:NAME``), and nothing here ever writes into a source book.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import date
from typing import TYPE_CHECKING, Callable

from sqlalchemy import select

from cms_dav.acl.generated import MARKER
from cms_dav.contacts.conditions import ConditionError, parse_conditions
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.field_defs import FieldSet
from cms_dav.contacts.segment_sources import (ACTOR, Source, aside_name, copy_of,
                                              is_segment_marker, marker_value, matching,
                                              readable_sources, viewers, where_of)
from cms_dav.store import derived
from cms_dav.store.derived import Regenerated
from cms_dav.store.records import ItemData
from cms_dav.store.schema import collections, contact_cards
from cms_dav.store.segment_table import SegmentRecord

if TYPE_CHECKING:
    from cms_dav.acl.policy import Policy
    from cms_dav.store.store import Store

logger = logging.getLogger("cms_dav.contacts.segments")

#: bump when the output changes for the same inputs
VERSION = "2"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
#: names a home already uses for server-generated calendars or usual books
RESERVED = frozenset({"birthdays", "follow-ups"})


class SegmentError(ContactError):
    """A segment definition that cannot be saved (one clear line)."""


__all__ = ["ACTOR", "SegmentError", "Segments", "is_segment_marker", "marker_value"]


class Segments:
    """The segments of every user (built once per App)."""

    def __init__(self, store: Store, policy: Policy, fields: Callable[[], FieldSet],
                 today: Callable[[], date] = date.today) -> None:
        self.store = store
        self.policy = policy
        self.fields = fields
        self.today = today

    # -- definitions ------------------------------------------------------------------
    def define(self, record: SegmentRecord, actor: str) -> None:
        """Check and save ``record`` (replacing one of the same name)."""
        if not _NAME.match(record.name) or record.name in RESERVED:
            raise SegmentError(f"segment name {record.name!r}: use letters, digits, '.', '_' "
                               "or '-' (not birthdays/follow-ups)")
        kind, _, who = record.owner.partition(":")
        if kind not in ("user", "group") or not who:
            raise SegmentError(f"--owner {record.owner!r}: expected user:NAME or group:NAME")
        if kind == "group" and who not in self.policy.rules().groups:
            raise SegmentError(f"--owner {record.owner!r}: no group {who!r}")
        if not record.sources:
            raise SegmentError("give at least one --from BOOK")
        for path in record.sources:
            book = self.store.collection(path)
            if book is None or book.tag != "VADDRESSBOOK":
                raise SegmentError(f"--from /{path}/: no such address book")
            if MARKER in book.props:
                raise SegmentError(f"--from /{path}/: a server-generated book cannot be a "
                                   "source")
        parse_conditions(where_of(record), self.fields())
        self.store.save_segment(record, actor)

    def remove(self, name: str, actor: str) -> int:
        """Forget the segment and drop its published books; how many were dropped."""
        if not self.store.remove_segment(name, actor):
            raise SegmentError(f"no segment {name!r}")
        dropped = 0
        for path in self._published(marker_value(name)):
            dropped += self.store.drop_derived(path, actor)
        return dropped

    def viewers(self, record: SegmentRecord) -> list[str]:
        return viewers(self.policy, record)

    def for_viewer(self, viewer: str) -> list[SegmentRecord]:
        groups = self.policy.rules().groups_of(viewer)
        return [s for s in self.store.segments()
                if s.owner == f"user:{viewer}"
                or (s.owner.startswith("group:") and s.owner[6:] in groups)]

    # -- keeping them current ------------------------------------------------------------
    def bring_home_up_to_date(self, viewer: str) -> None:
        """Create or refresh every segment ``viewer`` gets; drop the ones no longer theirs."""
        wanted = {s.name: s for s in self.for_viewer(viewer)}
        for path in self._published(None, home=viewer):
            if path.split("/", 1)[1] not in wanted:
                self.store.drop_derived(path, ACTOR)
        for record in wanted.values():
            self.bring_up_to_date(viewer, record)

    def bring_up_to_date_at(self, viewer: str, record: SegmentRecord) -> None:
        """A request names ``/viewer/<record.name>/``: refresh it if the segment is the
        viewer's, drop it if it was and no longer is (the viewer left the group)."""
        if record in self.for_viewer(viewer):
            self.bring_up_to_date(viewer, record)
            return
        path = f"{viewer}/{record.name}"
        stored = self.store.collection(path)
        if stored is not None and is_segment_marker(stored.props.get(MARKER)):
            self.store.drop_derived(path, ACTOR)

    def bring_up_to_date(self, viewer: str, record: SegmentRecord) -> Regenerated | None:
        """Rebuild ``/viewer/<name>/`` if an input no card write shows has changed."""
        path = f"{viewer}/{record.name}"
        stored = self.store.collection(path)
        if stored is None:
            stored = self.store.create_derived(path, self._props(record), MARKER, ACTOR)
        if stored is None or stored.props.get(MARKER) != marker_value(record.name):
            return None  # no home yet, or the user's own collection holds the name
        fields = self.fields()
        with self.store.reading() as conn:
            sources = readable_sources(conn, self.policy, viewer, record)
        day = self.today().isoformat() if record.filters.get("since_seconds") else ""
        fingerprint = self._fingerprint(record, stored.sync_epoch, sources, fields, day)
        if self.store.derived_fingerprint(path) == fingerprint:
            return Regenerated()
        # the sources' writers wait: a card written while the wanted set is read would
        # otherwise be undone by this rebuild and stay wrong (its upkeep already ran)
        with self.store.locked([path, *(s.path for s in sources)]):
            if self.store.derived_fingerprint(path) == fingerprint:
                return Regenerated()  # a parallel request rebuilt it
            try:
                wanted = self._wanted(record, sources, fields)
            except ConditionError as exc:  # a field was removed or retyped since
                logger.warning("segment %s: not refreshed: %s", record.name, exc)
                return None
            done = self.store.regenerate(path, wanted, (), fingerprint, ACTOR)
        if done.any:
            logger.info("segment /%s/: %d added, %d changed, %d removed", path, done.added,
                        done.changed, done.removed)
        return done

    def rebuild_all_on_next_read(self) -> int:
        """Forget every segment book's fingerprint (after ``cms-dav reindex``: matching
        reads the index); how many books will be rebuilt."""
        published = self._published(None)
        with self.store.writing() as conn:
            for path in published:
                derived.forget(conn, path)
        return len(published)

    # -- parts -----------------------------------------------------------------------------
    @staticmethod
    def _props(record: SegmentRecord) -> dict[str, str]:
        return {"tag": "VADDRESSBOOK", "D:displayname": record.name,
                "CR:addressbook-description":
                    "Generated by the server from a saved filter; read-only.",
                MARKER: marker_value(record.name)}

    def _published(self, marker: str | None, home: str | None = None) -> list[str]:
        """Stored paths of segment books (``marker``: of one segment; ``home``: in one
        home)."""
        query = select(collections.c.path, collections.c.props).where(
            collections.c.tag == "VADDRESSBOOK",
            collections.c.props.contains(MARKER, autoescape=True))
        if home is not None:
            query = query.where(collections.c.path.startswith(home + "/", autoescape=True))
        with self.store.reading() as conn:
            rows = conn.execute(query).all()
        found = []
        for row in rows:
            value = json.loads(row.props).get(MARKER)
            if (marker is None and is_segment_marker(value)) or value == marker:
                found.append(row.path)
        return sorted(found)

    @staticmethod
    def _fingerprint(record: SegmentRecord, epoch: str, sources: list[Source],
                     fields: FieldSet, day: str) -> str:
        """What a full rebuild depends on and no card write shows. The sources' sync
        positions are not in it: their card writes keep the segment current themselves
        (:mod:`cms_dav.contacts.segment_hook`)."""
        facts = [VERSION, record.name, record.owner, list(record.sources), record.filters,
                 epoch, day, repr(fields), [[s.path, s.id, s.sync_epoch] for s in sources]]
        return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()
                              ).hexdigest()

    def _wanted(self, record: SegmentRecord, sources: list[Source], fields: FieldSet
                ) -> dict[str, ItemData]:
        """Copies of the matching cards, one per UID (first source wins); an href two
        sources share gets the later book's name in front."""
        bound = parse_conditions(where_of(record), fields)
        with self.store.reading() as conn:
            ids = matching(conn, record, sources, bound)
            rows = conn.execute(select(contact_cards.c.collection_id, contact_cards.c.href)
                                .where(contact_cards.c.item_id.in_(sorted(ids)))).all()
        hrefs: dict[int, list[str]] = {}
        for row in rows:
            hrefs.setdefault(row.collection_id, []).append(row.href)
        wanted: dict[str, ItemData] = {}
        uids: set[str] = set()
        for source in sources:
            found = self.store.items_by_href(source.id, sorted(hrefs.get(source.id, ())))
            for href, item in sorted(found.items()):
                if item.text is None or item.uid in uids:
                    continue
                uids.add(item.uid)
                wanted[href if href not in wanted else aside_name(source, href)] = \
                    copy_of(item)
        return wanted
