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
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import Callable

from cms_dav.contacts.custom_fields import card_field_values, set_fields
from cms_dav.io.as_sent import item_data_as_sent
from cms_dav.io.card_merge import merge_vcards
from cms_dav.io.contact_record import vcard_to_record
from cms_dav.io.import_sources import Candidate, Source
from cms_dav.io.matching import ImportMatcher
from cms_dav.io.stored_items import ItemError, item_data, new_href
from cms_dav.limits.item_text import check_item_text
from cms_dav.store.records import ItemData, ItemRecord
from cms_dav.store.store import Store

#: objects written per transaction: one commit (and fsync) per batch, not per card
BATCH = 500

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
class _Target:
    store: Store
    path: str
    tag: str
    actor: str
    dry_run: bool
    current: dict[str, ItemRecord]  # href -> item (as written so far)


def import_source(store: Store, path: str, source: Source, *, actor: str,
                  dry_run: bool = False, default_region: str = "",
                  progress: Progress | None = None) -> ImportReport:
    path = path.strip("/")
    collection = store.collection(path)
    if collection is None:
        raise ImportTargetError(f"no collection /{path}/")
    if collection.tag != source.tag:
        kind = "an address book" if source.tag == "VADDRESSBOOK" else "a calendar"
        raise ImportTargetError(f"/{path}/ is not {kind}: {source.format} files go into {kind}")
    target = _Target(store, path, source.tag, actor, dry_run,
                     {item.href: item for item in store.all_items(collection.id)})
    report = ImportReport(source.format, source.encoding, dry_run)
    place = _contact_placer(target, default_region) if source.tag == "VADDRESSBOOK" \
        else _event_placer(target)
    candidates = iter(source.candidates)
    while True:
        chunk = list(islice(candidates, BATCH))
        if not chunk:
            return report
        with (nullcontext() if dry_run else store.batch([path])):
            for candidate in chunk:
                _import_one(target, candidate, place, report)
                if progress:
                    progress(1)


#: given an object's text: (href, text to store, existing item or None)
Placer = Callable[[str], tuple[str, str, ItemRecord | None]]


def _import_one(target: _Target, candidate: Candidate, place: Placer,
                report: ImportReport) -> None:
    def reject(reason: str) -> None:
        report.rejected.append(Rejected(candidate.number, candidate.label, reason))

    if candidate.error or candidate.text is None:
        return reject(candidate.error or "empty")
    try:
        # [limits] before any parse: the same check as a PUT of the object
        check_item_text(candidate.text, target.store.limits, target.tag)
        href, text, existing = place(candidate.text)
        # the object's own text when Radicale changed nothing in it (issue 12)
        data = item_data_as_sent(text, target.tag, target.path, keep_parse=True)[0]
    except (ItemError, ValueError) as exc:
        return reject(str(exc))
    if existing is not None and existing.etag == data.etag:
        report.unchanged += 1
        return
    if not target.dry_run:
        try:
            result = target.store.put_item(target.path, href, data, target.actor)
        except ValueError as exc:  # UID conflict, contact validation
            return reject(str(exc))
        if existing is not None and result.new.etag == existing.etag:
            report.unchanged += 1
            return
        target.current[href] = result.new
    else:
        target.current[href] = _pretend(href, data, existing)
    if existing is None:
        report.created += 1
    else:
        report.updated += 1


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

    def place(text: str) -> tuple[str, str, ItemRecord | None]:
        record = vcard_to_record(text)
        match = matcher.find(record)
        if match is None:
            href = new_href(record.uid or "", target.tag, target.current.keys())
            matcher.add(href, record)
            return href, text, None
        existing = target.current.get(match.contact_id)
        if existing is None:  # matched a row of this file that was rejected
            href = new_href(record.uid or "", target.tag, target.current.keys())
            return href, text, None
        matcher.add(match.contact_id, record)
        if match.reason == "same UID":
            return match.contact_id, text, existing
        assert existing.text is not None
        merged = merge_vcards(existing.text, [text], region)
        imported = card_field_values(text)  # the file's field values win over the card's
        return match.contact_id, set_fields(merged, imported) if imported else merged, existing

    return place


def _event_placer(target: _Target) -> Placer:
    by_uid = {item.uid: href for href, item in target.current.items()}

    def place(text: str) -> tuple[str, str, ItemRecord | None]:
        uid = item_data(text, target.tag, target.path).uid
        href = by_uid.get(uid) or new_href(uid, target.tag, target.current.keys())
        by_uid[uid] = href
        return href, text, target.current.get(href)

    return place
