"""Import a file into an address book or calendar through the store.

Re-importing must never duplicate: contacts are matched to the book's cards by
UID, then e-mail, then phone (ImportMatcher); a UID match replaces the card, an
e-mail/phone match merges into it so nothing typed on the server is lost.
Calendar objects are matched by UID.  One bad object never stops the others.

Objects are written :data:`BATCH` per transaction (items, sync log, indexes, history,
audit and outbox of the whole batch commit together; each object keeps its own
savepoint, so a refused one is only left out). What an interruption (Ctrl-C, a crash,
a full disk) promises: every batch committed before it is stored whole, the batch it
hit is not stored at all; running the same file again stores the rest and matches what
the first run stored as above (a row with no UID, e-mail or phone is stored again).

A contact file's rows may be read (checked, parsed, serialized) by worker processes
ahead of the writes (:mod:`cms_dav.io.read_ahead`); placing and writing stay here, in
file order, so the outcome does not depend on them.
"""

from __future__ import annotations

from contextlib import nullcontext
import dataclasses
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import Callable

from cms_dav.contacts.custom_fields import card_field_values, set_fields
from cms_dav.io.as_sent import item_data_as_sent
from cms_dav.io.card_merge import merge_vcards
from cms_dav.io.contact_record import vcard_to_record
from cms_dav.io.import_sources import Candidate, Source
from cms_dav.io.matching import ImportMatcher
from cms_dav.io.read_ahead import ReadRow, RowReader, Workers, read_ahead
from cms_dav.io.stored_items import ItemError, item_data, new_href
from cms_dav.limits.item_text import check_item_text
from cms_dav.store.records import ItemData, ItemRecord
from cms_dav.store.store import Store

#: objects written per transaction: one commit (and fsync) per batch, not per card
BATCH = 500
#: an import that wrote at least this many objects merges the search index's segments
#: at its end (``Store.compact_search_index``), so later single PUTs do not pay for
#: merging what the batches left (bench/README.md, round six: puttail); below it the
#: merge (seconds in a 100k book) would cost more than the few segments it saves
COMPACT_AFTER = 1000

Progress = Callable[[int], None]


class ImportTargetError(ValueError):
    """The import cannot start (no such collection, wrong kind of collection)."""


@dataclass
class Rejected:
    number: int
    label: str
    reason: str

    def __str__(self) -> str:
        return f"{self.label} {self.number}: {self.reason}"


@dataclass
class ImportReport:
    format: str
    encoding: str
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["rejected"] = [asdict(r) for r in self.rejected]
        return data


@dataclass
class _Write:
    """A placed object waiting for its batch's write."""

    candidate: Candidate
    href: str
    data: ItemData
    existing: ItemRecord | None


@dataclass
class _Target:
    store: Store
    path: str
    tag: str
    actor: str
    dry_run: bool
    current: dict[str, ItemRecord]  # href -> item (as written so far)
    report: ImportReport
    #: placed objects of the open batch, in file order, with the rows refused before
    #: them (a Rejected) and the unchanged ones (None): written by :meth:`settle`
    pending: list[_Write | Rejected | None] = field(default_factory=list)
    #: the hrefs of ``pending``'s writes
    pending_hrefs: set[str] = field(default_factory=set)

    def taken(self, href: str) -> bool:
        """Whether ``href`` is in use: stored, or placed in the open batch."""
        return href in self.current or href in self.pending_hrefs

    def placed(self, href: str) -> ItemRecord | None:
        """The item at ``href`` as the file's earlier rows left it: a row of the open
        batch placed there is written first (its outcome decides, as row by row)."""
        if href in self.pending_hrefs:
            self.settle()
        return self.current.get(href)

    def settle(self) -> None:
        """Write the open batch's placed objects (``Store.put_items``) and count every
        pending row's outcome in file order."""
        writes = [w for w in self.pending if isinstance(w, _Write)]
        results = self.store.put_items(self.path, [(w.href, w.data) for w in writes],
                                       self.actor) if writes else []
        answers = iter(results)
        report = self.report
        for row in self.pending:
            if row is None:
                report.unchanged += 1
            elif isinstance(row, Rejected):
                report.rejected.append(row)
            else:
                result = next(answers)
                if isinstance(result, ValueError):  # UID conflict, contact validation
                    report.rejected.append(_rejected(row.candidate, str(result)))
                elif row.existing is not None and result.new.etag == row.existing.etag:
                    report.unchanged += 1
                else:
                    # without the write's parse tree: kept for the whole import, the
                    # trees of every row held hundreds of MB and slowed each full
                    # collection of the cyclic collector as the import went on
                    new = result.new  # (most rows read ahead come without a tree)
                    self.current[row.href] = new if new.parsed is None \
                        else dataclasses.replace(new, parsed=None)
                    if row.existing is None:
                        report.created += 1
                    else:
                        report.updated += 1
        self.pending.clear()
        self.pending_hrefs.clear()


def import_source(store: Store, path: str, source: Source, *, actor: str,
                  dry_run: bool = False, default_region: str = "",
                  progress: Progress | None = None, workers: int | Workers = 0
                  ) -> ImportReport:
    """``workers``: processes that read a vCard file's rows ahead
    (:mod:`cms_dav.io.read_ahead`), or such processes started already (the caller
    closes them); the outcome is the same with any number."""
    path = path.strip("/")
    collection = store.collection(path)
    if collection is None:
        raise ImportTargetError(f"no collection /{path}/")
    if collection.tag != source.tag:
        kind = "an address book" if source.tag == "VADDRESSBOOK" else "a calendar"
        raise ImportTargetError(f"/{path}/ is not {kind}: {source.format} files go into {kind}")
    report = ImportReport(source.format, source.encoding, dry_run)
    target = _Target(store, path, source.tag, actor, dry_run,
                     {item.href: item for item in store.all_items(collection.id)}, report)
    place = _contact_placer(target, default_region) if source.tag == "VADDRESSBOOK" \
        else _event_placer(target)
    candidates = iter(source.candidates)
    reads = read_ahead(RowReader(store.limits, source.tag, path, default_region),
                       [c.text for c in source.candidates],
                       workers if source.tag == "VADDRESSBOOK" else 0)
    try:
        while True:
            chunk = list(islice(candidates, BATCH))
            if not chunk:
                if not dry_run and report.created + report.updated >= COMPACT_AFTER:
                    store.compact_search_index()
                return report
            with (nullcontext() if dry_run else store.batch([path])):
                for candidate, read in zip(chunk, reads, strict=False):
                    _import_one(target, candidate, place, read)
                    if progress:
                        progress(1)
                target.settle()
    finally:
        reads.close()  # stops the workers (an interruption, a failed write)


#: given an object's text (and what a worker read of it, if it did): (href, text to
#: store, existing item or None)
Placer = Callable[[str, ReadRow | None], tuple[str, str, ItemRecord | None]]


def _rejected(candidate: Candidate, reason: str) -> Rejected:
    return Rejected(candidate.number, candidate.label, reason)


def _import_one(target: _Target, candidate: Candidate, place: Placer,
                read: ReadRow | None) -> None:
    """``read``: what a worker read of the row's text (it passed every check below)."""
    if candidate.error or candidate.text is None:
        target.pending.append(_rejected(candidate, candidate.error or "empty"))
        return
    try:
        if read is None:
            # [limits] before any parse: the same check as a PUT of the object
            check_item_text(candidate.text, target.store.limits, target.tag)
        href, text, existing = place(candidate.text, read)
        if read is not None and text == candidate.text:
            data = read.data
            if read.work is not None and not target.dry_run:
                target.store.offer_ahead(read.work)
        else:
            # the object's own text when Radicale changed nothing in it (issue 12)
            data = item_data_as_sent(text, target.tag, target.path, keep_parse=True)[0]
    except (ItemError, ValueError) as exc:
        target.pending.append(_rejected(candidate, str(exc)))
        return
    if existing is not None and existing.etag == data.etag:
        target.pending.append(None)
        return
    if target.dry_run:
        target.current[href] = _pretend(href, data, existing)
        target.report.created += existing is None
        target.report.updated += existing is not None
        return
    target.pending.append(_Write(candidate, href, data, existing))
    target.pending_hrefs.add(href)


def _pretend(href: str, data: ItemData, existing: ItemRecord | None) -> ItemRecord:
    return ItemRecord(collection_id=existing.collection_id if existing else 0, href=href,
                      uid=data.uid, name=data.name, component=data.component,
                      etag=data.etag, time_start=data.time_start, time_end=data.time_end,
                      modified_at=0.0, text=data.text)


def _contact_placer(target: _Target, region: str) -> Placer:
    matcher = ImportMatcher(default_region=region)
    for href, item in target.current.items():
        if item.text:
            matcher.add(href, vcard_to_record(item.text))

    def place(text: str, read: ReadRow | None) -> tuple[str, str, ItemRecord | None]:
        if read is None:
            record = vcard_to_record(text)
            uid, keys = record.uid, matcher.keys(record)
        else:
            uid, keys = read.uid, read.keys
        match = matcher.find_by(keys)
        if match is None:
            href = new_href(uid or "", target.tag, _Taken(target))
            matcher.add_keys(href, keys)
            return href, text, None
        existing = target.placed(match.contact_id)
        if existing is None:  # matched a row of this file that was rejected
            href = new_href(uid or "", target.tag, _Taken(target))
            return href, text, None
        matcher.add_keys(match.contact_id, keys)
        if match.reason == "same UID":
            return match.contact_id, text, existing
        assert existing.text is not None
        merged = merge_vcards(existing.text, [text], region)
        imported = card_field_values(text)  # the file's field values win over the card's
        return match.contact_id, set_fields(merged, imported) if imported else merged, existing

    return place


def _event_placer(target: _Target) -> Placer:
    by_uid = {item.uid: href for href, item in target.current.items()}

    def place(text: str, read: ReadRow | None) -> tuple[str, str, ItemRecord | None]:
        uid = item_data(text, target.tag, target.path).uid
        href = by_uid.get(uid) or new_href(uid, target.tag, _Taken(target))
        by_uid[uid] = href
        return href, text, target.placed(href)

    return place


@dataclass(frozen=True)
class _Taken:
    """The hrefs :func:`new_href` must not give: stored or placed in the open batch (a
    live view, never a copy: a copy per row made a 100k-row import quadratic)."""

    target: _Target

    def __contains__(self, href: object) -> bool:
        return isinstance(href, str) and self.target.taken(href)

    def __len__(self) -> int:
        current = self.target.current
        return len(current) + sum(1 for h in self.target.pending_hrefs if h not in current)
