"""Duplicate groups of an address book, and merging one through the store.

A group's id is derived from its members' hrefs, so the id shown by
``dedupe`` still names the same group when ``dedupe --merge ID`` runs later,
and names nothing (a clear error) once the book has changed underneath it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from cms_dav.io.card_merge import merge_vcards
from cms_dav.io.contact_record import ContactRecord, vcard_to_record
from cms_dav.io.duplicate_finder import find_duplicates
from cms_dav.io.stored_items import item_data
from cms_dav.store.store import Store


class DedupeError(ValueError):
    pass


@dataclass
class FoundGroup:
    id: str
    score: int
    reasons: list[str]
    #: (href, record, text); the first member is the one that is kept on merge
    members: list[tuple[str, ContactRecord, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "score": self.score, "reasons": self.reasons,
                "members": [{"href": href, "name": rec.display_name(), "org": rec.org,
                             "emails": [v for _, v in rec.emails],
                             "phones": [v for _, v in rec.phones],
                             "categories": rec.categories}
                            for href, rec, _ in self.members]}


def group_id(hrefs: list[str]) -> str:
    return hashlib.sha1("\n".join(sorted(hrefs)).encode()).hexdigest()[:10]


def find_groups(store: Store, path: str, default_region: str = "") -> list[FoundGroup]:
    path = path.strip("/")
    collection = store.collection(path)
    if collection is None:
        raise DedupeError(f"no collection /{path}/")
    if collection.tag != "VADDRESSBOOK":
        raise DedupeError(f"/{path}/ is not an address book")
    cards = {item.href: item.text or "" for item in store.all_items(collection.id)}
    records = {href: vcard_to_record(text) for href, text in cards.items()}
    groups = []
    for found in find_duplicates(records.items(), default_region):
        hrefs = sorted(found.ids, key=lambda href: (-_richness(cards[href]), href))
        groups.append(FoundGroup(group_id(hrefs), found.score, found.reasons,
                                 [(href, records[href], cards[href]) for href in hrefs]))
    return groups


def _richness(text: str) -> int:
    """The card with the most lines is kept: fewest things to move over."""
    return text.count("\n")


def merge_group(store: Store, path: str, wanted_id: str, actor: str,
                default_region: str = "") -> FoundGroup:
    """Write the merged card to the first member, then delete the others.

    Written before deleting: if the process dies in between, a duplicate remains
    but nothing is lost.
    """
    path = path.strip("/")
    groups = {g.id: g for g in find_groups(store, path, default_region)}
    group = groups.get(wanted_id)
    if group is None:
        raise DedupeError(f"no duplicate group {wanted_id!r} in /{path}/ "
                          "(run dedupe again: the address book may have changed)")
    (winner, _, winner_text), *losers = group.members
    merged = merge_vcards(winner_text, [text for _, _, text in losers], default_region)
    store.put_item(path, winner, item_data(merged, "VADDRESSBOOK", path), actor,
                   attested=True)  # merged from stored cards: their history stays as it was
    for href, _, _ in losers:
        store.delete_item(path, href, actor)
    return group
