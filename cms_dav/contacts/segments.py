"""Smart address books (issue 14 item 3): a saved filter published as a read-only,
server-generated address book in its owner's home (for a group: in each member's home).

The segment ``/VIEWER/NAME/`` holds copies (same href, same text) of the cards of the
source books that meet the filter, taken only from the sources the VIEWER may read
(the App's :class:`~cms_dav.acl.policy.Policy`). It is refreshed on read, like the
generated calendars (:mod:`cms_dav.calendars.generated_calendars`): a request on the
segment (or a listing of the home) applies the difference through the store in one
transaction, so the change log gives ``sync-collection`` clients exact deltas
(RFC 6578 §3.5: a card leaving is a 404 entry, entering or changed a 200 entry). The
work is skipped when a fingerprint of the inputs (definition, the readable sources'
sync positions, the field definitions, the day for ``--not-contacted-since``) is the
stored one. Matching is answered from the index (:mod:`cms_dav.contacts.condition_query`).

Writes are refused by the ACL (the collection carries the generated marker, value
``segment:NAME``), and nothing here ever writes into a source book.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Callable

from sqlalchemy import select

from cms_dav.acl.generated import MARKER
from cms_dav.contacts.condition_query import matching_ids
from cms_dav.contacts.conditions import ConditionError, parse_conditions
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.field_defs import FieldSet
from cms_dav.contacts.query import Book
from cms_dav.store.derived import Regenerated
from cms_dav.store.records import ItemData
from cms_dav.store.schema import collections, contact_cards
from cms_dav.store.segment_table import SegmentRecord

if TYPE_CHECKING:
    from cms_dav.acl.policy import Policy
    from cms_dav.store.store import Store

logger = logging.getLogger("cms_dav.contacts.segments")

#: bump when the output changes for the same inputs
VERSION = "1"
#: who the audit trail names for segment refreshes
ACTOR = "cms-dav:segment"
#: the marker value's prefix (``segment:NAME``)
PREFIX = "segment:"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
#: names a home already uses for server-generated calendars or usual books
RESERVED = frozenset({"birthdays", "follow-ups"})


class SegmentError(ContactError):
    """A segment definition that cannot be saved (one clear line)."""


def marker_value(name: str) -> str:
    return PREFIX + name


def is_segment_marker(value: str | None) -> bool:
    return bool(value) and str(value).startswith(PREFIX)


@dataclass(frozen=True)
class Source:
    path: str
    id: int
    sync_epoch: str
    sync_seq: int


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
        kind, _, who = record.owner.partition(":")
        if kind == "user":
            return [who]
        return sorted(self.policy.rules().groups.get(who, frozenset()))

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
        path = f"{viewer}/{record.name}"
        stored = self.store.collection(path)
        if stored is None:
            stored = self.store.create_derived(path, self._props(record), MARKER, ACTOR)
        if stored is None or stored.props.get(MARKER) != marker_value(record.name):
            return None  # no home yet, or the user's own collection holds the name
        sources = self._readable_sources(viewer, record)
        fields = self.fields()
        fingerprint = self._fingerprint(record, stored.sync_epoch, sources, fields)
        if self.store.derived_fingerprint(path) == fingerprint:
            return Regenerated()
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

    def _readable_sources(self, viewer: str, record: SegmentRecord) -> list[Source]:
        query = select(collections.c.id, collections.c.path, collections.c.sync_epoch,
                       collections.c.sync_seq, collections.c.props).where(
            collections.c.tag == "VADDRESSBOOK", collections.c.path.in_(record.sources))
        with self.store.reading() as conn:
            rows = conn.execute(query.order_by(collections.c.path)).all()
        return [Source(row.path, row.id, row.sync_epoch, row.sync_seq) for row in rows
                if MARKER not in (row.props or "")
                and "r" in self.policy.authorization(viewer, f"/{row.path}/").lower()]

    def _fingerprint(self, record: SegmentRecord, epoch: str, sources: list[Source],
                     fields: FieldSet) -> str:
        day = self.today().isoformat() if record.filters.get("since_seconds") else ""
        facts = [VERSION, record.name, record.owner, list(record.sources), record.filters,
                 epoch, day, repr(fields),
                 [[s.path, s.id, s.sync_epoch, s.sync_seq] for s in sources]]
        return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()
                              ).hexdigest()

    def _wanted(self, record: SegmentRecord, sources: list[Source], fields: FieldSet
                ) -> dict[str, ItemData]:
        """Copies of the matching cards, one per UID (first source wins); an href two
        sources share gets the later book's name in front."""
        filters = record.filters
        bound = parse_conditions(where_of(record), fields)
        since = filters.get("since_seconds")
        seconds = float(since) if isinstance(since, (int, float)) and since else None
        books = [Book(s.id, s.path) for s in sources]
        with self.store.reading() as conn:
            ids = matching_ids(conn, books, bound,
                               category=_text(filters.get("category")),
                               city=_text(filters.get("city")),
                               not_contacted_for=seconds)
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
                name = href if href not in wanted else \
                    f"{source.path.replace('/', '-')}-{href}"
                wanted[name] = ItemData(text=item.text, uid=item.uid, etag=item.etag,
                                        name=item.name, component=item.component,
                                        time_start=item.time_start, time_end=item.time_end)
        return wanted


def where_of(record: SegmentRecord) -> tuple[str, ...]:
    """The segment's ``--where`` condition texts."""
    where = record.filters.get("where")
    return tuple(str(w) for w in where) if isinstance(where, list) else ()


def _text(value: object) -> str | None:
    return str(value) if value else None
