"""Per-user, read-only, server-generated calendars kept up to date on read.

When a request touches a generated calendar (or lists the home), :meth:`bring_up_to_date`
works out the wanted ``{href: text}`` from every address book the user may read (the
App's ACL: own, group, rights-file grants, accepted shares) and applies the difference
through the store, so the change log gives clients exact ``sync-collection`` deltas
(RFC 6578 §3.5) and every change is in the audit trail.

The work is skipped when nothing it depends on moved: a fingerprint of the readable
books (path, sync epoch, sync position), the calendar's own epoch, the day (ages and
the window of years move with it) and the options. A revoked share drops the book
from the readable ones, so the next read removes its events. The cards read per
refresh are bounded (``[birthdays] max_cards``); the same contact (UID) in several
books gives one set of events.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from radicale.item.filter import TIMESTAMP_MAX, TIMESTAMP_MIN
from sqlalchemy import or_, select

from cms_dav.acl import share_table
from cms_dav.acl.generated import MARKER
from cms_dav.acl.permissions import GROUPS_ROOT
from cms_dav.calendars.kinds import CalendarKind
from cms_dav.contacts.upload_filter import etag_of
from cms_dav.io.stored_items import crlf
from cms_dav.memo import Memo
from cms_dav.store.derived import Regenerated
from cms_dav.store.records import ItemData
from cms_dav.store.schema import collections

if TYPE_CHECKING:
    from cms_dav.acl.policy import Policy
    from cms_dav.store.store import Store

logger = logging.getLogger("cms_dav.calendars")

#: bump when the machinery's output changes for the same inputs
VERSION = "1"
#: who the audit trail names for generated changes
ACTOR = "cms-dav:generated"
ON, OFF = "on", "off"
#: the object's UID (the generators write it unfolded, before any override's)
_UID = re.compile(r"\r\nUID:([^\r\n]+)\r\n")


@dataclass(frozen=True)
class ReadableBook:
    path: str
    id: int
    sync_epoch: str
    sync_seq: int


class GeneratedCalendars:
    """The generated calendars of every user (built once per App)."""

    def __init__(self, store: Store, policy: Policy, kinds: Iterable[CalendarKind],
                 max_cards: int, today: Callable[[], date] = date.today) -> None:
        self.store = store
        self.policy = policy
        self.kinds = {kind.name: kind for kind in kinds}
        self.max_cards = max_cards
        self.today = today

    # -- which calendar, and is it on ----------------------------------------------
    def kind_at(self, path: str) -> CalendarKind | None:
        """The kind whose calendar ``/user/<name>/...`` names, by name only."""
        parts = [part for part in path.split("/") if part]
        return self.kinds.get(parts[1]) if len(parts) >= 2 else None

    def enabled(self, user: str, kind: CalendarKind) -> bool:
        chosen = self.store.preference(user, kind.name)
        return kind.default_on if chosen is None else chosen == ON

    def choose(self, user: str, kind_name: str, on: bool, actor: str) -> None:
        """The user's own choice (``cms-dav user set``); applied on the next read."""
        if kind_name not in self.kinds:
            raise ValueError(f"no generated calendar {kind_name!r}")
        self.store.set_preference(user, kind_name, ON if on else OFF, actor)

    # -- keeping them current --------------------------------------------------------
    def bring_home_up_to_date(self, user: str, kinds: Iterable[CalendarKind] | None = None
                              ) -> None:
        """:meth:`bring_up_to_date` for ``kinds`` (default: all), reading the user's
        books once."""
        books: list[ReadableBook] | None = None
        for kind in self.kinds.values() if kinds is None else kinds:
            if books is None and self.enabled(user, kind):
                books = self._readable_books(user)
            self.bring_up_to_date(user, kind, books)

    def bring_up_to_date(self, user: str, kind: CalendarKind,
                         books: list[ReadableBook] | None = None) -> Regenerated | None:
        """Create, drop (turned off) or refresh ``/user/<kind>/``; None when the path
        is not (or not yet) a generated calendar of this user."""
        path = f"{user}/{kind.name}"
        record = self.store.collection(path)
        if not self.enabled(user, kind):
            if record is not None and MARKER in record.props:
                self.store.drop_derived(path, ACTOR)
            return None
        if record is None:
            record = self.store.create_derived(path, self._props(kind), MARKER, ACTOR)
        if record is None or MARKER not in record.props:
            return None  # no home yet, or the user's own collection holds the name
        books = self._readable_books(user) if books is None else books
        today = self.today()
        fingerprint = self._fingerprint(kind, record.sync_epoch, books, today)
        if self.store.derived_fingerprint(path) == fingerprint:
            return Regenerated()
        wanted = self._wanted(kind, books, today)
        stored = {item.href: item.text for item in self.store.all_items(record.id)}
        changed = {href: data for href, text in wanted.items() if stored.get(href) != text
                   for data in self._item_data(text, path, href, kind.component)}
        unchanged = {href for href, text in wanted.items() if stored.get(href) == text}
        done = self.store.regenerate(path, changed, unchanged, fingerprint, ACTOR)
        if done.any:
            logger.info("generated calendar /%s/: %d added, %d changed, %d removed",
                        path, done.added, done.changed, done.removed)
        return done

    # -- parts ---------------------------------------------------------------------------
    @staticmethod
    def _props(kind: CalendarKind) -> dict[str, str]:
        return {"tag": "VCALENDAR", "D:displayname": kind.display_name,
                "C:calendar-description": kind.description,
                "C:supported-calendar-component-set": kind.component, MARKER: kind.name}

    def _readable_books(self, user: str) -> list[ReadableBook]:
        """The address books ``user`` reaches as owner, group member, rights-file grantee
        or sharee, each confirmed by the App's ACL (one memo for the question, so shares
        and the rights file are read once). Only those places are looked at, so the work
        does not grow with every user's books; an admin's right to read everything does
        not pour every contact of the server into the admin's own calendars."""
        policy = self.policy.remembering(Memo())
        prefixes = self._reachable_prefixes(user, policy)
        query = select(collections.c.id, collections.c.path, collections.c.sync_epoch,
                       collections.c.sync_seq).where(
            collections.c.tag == "VADDRESSBOOK",  # not segments: they hold copies
            ~collections.c.props.contains(MARKER, autoescape=True))
        if "" not in prefixes:
            query = query.where(or_(*(
                or_(collections.c.path == prefix,
                    collections.c.path.startswith(prefix + "/", autoescape=True))
                for prefix in sorted(prefixes))))
        with self.store.reading() as conn:
            rows = conn.execute(query.order_by(collections.c.path)).all()
        return [ReadableBook(row.path, row.id, row.sync_epoch, row.sync_seq) for row in rows
                if "r" in policy.authorization(user, f"/{row.path}/").lower()]

    def _reachable_prefixes(self, user: str, policy: Policy) -> set[str]:
        """Stored paths under which ``user`` may have been given books ("" = anywhere)."""
        rules = policy.rules()
        groups = rules.groups_of(user)
        found = {user} | {f"{GROUPS_ROOT}/{group}" for group in groups}
        found |= {grant.path.strip("/") for grant in rules.grants
                  if grant.applies_to(user, groups)}
        with self.store.reading() as conn:
            found |= {share.path.strip("/") for share in share_table.grants_for(conn, user)}
        return found

    @staticmethod
    def _fingerprint(kind: CalendarKind, epoch: str, books: list[ReadableBook],
                     today: date) -> str:
        facts = [VERSION, kind.name, kind.signature, epoch, today.isoformat(),
                 [dataclasses.astuple(book) for book in books]]
        return hashlib.sha256(json.dumps(facts).encode()).hexdigest()

    def _cards(self, books: list[ReadableBook]) -> Iterator[tuple[str, str]]:
        """(source key, card text) of every card, one per UID, at most ``max_cards``."""
        seen: set[str] = set()
        read = 0
        for book in books:
            for item in self.store.all_items(book.id):
                if item.uid in seen or item.text is None:
                    continue
                if read >= self.max_cards:
                    logger.warning("generated calendars: more than %d contacts readable; "
                                   "the rest are left out ([birthdays] max_cards)",
                                   self.max_cards)
                    return
                seen.add(item.uid)
                read += 1
                yield f"{book.path}/{item.href}", item.text

    def _wanted(self, kind: CalendarKind, books: list[ReadableBook],
                today: date) -> dict[str, str]:
        wanted: dict[str, str] = {}
        for key, text in self._cards(books):
            try:
                made = kind.generate(text, key, today)
            except ValueError as exc:  # one unreadable card must not hide the others
                logger.warning("generated calendar %s: card /%s skipped: %s", kind.name,
                               key, exc)
                continue
            for href, calendar_text in made.items():
                wanted[href] = crlf(calendar_text)
        return wanted

    @staticmethod
    def _item_data(text: str, path: str, href: str, component: str) -> list[ItemData]:
        """What the store keeps of one generated object: its exact text (so its ETag
        changes only with its content) and the facts Radicale would read from it.

        Not parsed here (13 ms per yearly event with its overrides, 20 s for 2,000
        contacts): the generators' output is checked against Radicale's and cms_dav's
        object checks by their tests. The time range is the widest one, so the
        calendar-query prefilter always hands the object to Radicale's exact filter
        (``[limits]`` keeps every queried range inside it)."""
        uid = _UID.search(text)
        if not text.startswith("BEGIN:VCALENDAR\r\n") or uid is None \
                or f"BEGIN:{component}\r\n" not in text:
            logger.error("generated calendar /%s/%s is not one %s object; left out", path,
                         href, component)
            return []
        return [ItemData(text=text, uid=uid.group(1), etag=etag_of(text), name="VCALENDAR",
                         component=component, time_start=TIMESTAMP_MIN,
                         time_end=TIMESTAMP_MAX)]
