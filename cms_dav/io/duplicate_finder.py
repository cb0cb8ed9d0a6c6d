"""Find contacts that are probably the same person.

Evidence, strongest first: the same e-mail (any case), the same phone (any
format), the same name at the same organisation, a one-letter typo in the
name at the same organisation.  A typo alone is weak (Mary/Mark Smith), so
it only counts when the two contacts do not contradict each other (both
having e-mails and phones, none shared).  Names are compared only inside
blocks of equal initials, never all against all.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

from cms_dav.contacts.normalize import email_key, fold, phone_keys, pinyin_keys
from cms_dav.io.contact_record import ContactRecord

__all__ = ["DuplicateGroup", "find_duplicates"]

SCORE_EMAIL, SCORE_PHONE, SCORE_NAME_ORG, SCORE_NAME, SCORE_TYPO_ORG = 95, 90, 85, 70, 75
SHARED_KEY_LIMIT = 5  # an address shared by more contacts is a switchboard, not a person
_HAN = re.compile(r"[\u3400-\u9fff]")
_LEGAL = re.compile(r"\b(inc|ltd|llc|gmbh|ag|sa|s\.a|co|corp|plc|sp\. z o\.o|sp z o ?o"
                    r"|spolka z o\.o)\b\.?")


@dataclass
class DuplicateGroup:
    """Contacts judged to be one person; score 0-100 is the strongest evidence."""

    ids: list[str]
    score: int
    reasons: list[str] = field(default_factory=list)


@dataclass
class _Contact:
    id: str
    record: ContactRecord
    name: str
    tokens: list[str]
    han: bool
    org: str
    emails: set[str]
    phones: dict[str, str]  # key -> number as written


def org_key(org: str) -> str:
    """'ACME Sp. z o.o.' and 'Acme' compare equal."""
    key = _LEGAL.sub(" ", fold(org))
    return " ".join(re.sub(r"[^\w\s]", " ", key).split())


def _prepare(cid: str, record: ContactRecord, region: str) -> _Contact:
    name = record.fn or " ".join(p for p in (record.given, record.family) if p)
    han = bool(_HAN.search(name))
    if han:
        compact = "".join(name.split())
        spelled = max(pinyin_keys(compact) or {compact}, key=lambda k: k.count(" "))
        tokens = [compact] + spelled.split()
    else:
        tokens = sorted(fold(name).split())
    return _Contact(cid, record, name, tokens, han, org_key(record.org),
                    {email_key(v) for _, v in record.emails if email_key(v)},
                    {k: v for _, v in record.phones for k in phone_keys(v, region)})


def _initials(c: _Contact) -> str:
    words = c.tokens[1:] if c.han else c.tokens
    return "".join(sorted(w[0] for w in words if w))


def find_duplicates(records_with_ids: Iterable[tuple[str, ContactRecord]],
                    default_region: str = "") -> list[DuplicateGroup]:
    """Groups of likely duplicates, strongest first; each id appears in one group."""
    contacts = [_prepare(cid, rec, default_region) for cid, rec in records_with_ids]
    edges: dict[tuple[int, int], tuple[int, list[str]]] = {}

    def connect(i: int, j: int, score: int, reason: str) -> None:
        key = (min(i, j), max(i, j))
        best, reasons = edges.get(key, (0, []))
        edges[key] = (max(best, score), reasons + [reason] if reason not in reasons else reasons)

    _link_shared(contacts, "emails", SCORE_EMAIL, "same e-mail", connect)
    _link_shared(contacts, "phones", SCORE_PHONE, "same phone", connect)
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, contact in enumerate(contacts):
        if contact.tokens:
            blocks[_initials(contact)].append(index)
    for members in blocks.values():
        for i, j in combinations(members, 2):
            verdict = _name_evidence(contacts[i], contacts[j])
            if verdict:
                connect(i, j, *verdict)
    return _groups(contacts, edges)


def _link_shared(contacts: list[_Contact], attr: str, score: int, label: str, connect) -> None:
    owners: dict[str, list[int]] = defaultdict(list)
    for index, contact in enumerate(contacts):
        for key in getattr(contact, attr):
            owners[key].append(index)
    for key, members in owners.items():
        if 1 < len(members) <= SHARED_KEY_LIMIT:
            for i, j in combinations(members, 2):
                shown = [_raw(contacts[k], attr, key) for k in (i, j)]
                detail = f"{shown[0]!r} / {shown[1]!r}" if shown[0] != shown[1] else repr(shown[0])
                connect(i, j, score, f"{label} {detail}")


def _raw(contact: _Contact, attr: str, key: str) -> str:
    if attr == "emails":
        return next(v for _, v in contact.record.emails if email_key(v) == key)
    return contact.phones[key]


def _name_evidence(a: _Contact, b: _Contact) -> tuple[int, str] | None:
    same_org = bool(a.org) and a.org == b.org
    org_free = not a.org or not b.org
    if a.han or b.han:
        exact, typo = a.tokens[:1] == b.tokens[:1], False  # a one-character change is another name
    else:
        exact, typo = a.tokens == b.tokens, _one_typo(a.tokens, b.tokens)
    if exact and same_org:
        return SCORE_NAME_ORG, f"same name {a.name!r} at {a.record.org!r}"
    if exact and org_free:
        return SCORE_NAME, f"same name {a.name!r}"
    if typo and same_org and not _contradict(a, b):
        return SCORE_TYPO_ORG, f"similar names {a.name!r} / {b.name!r} at {a.record.org!r}"
    return None


def _one_typo(x: list[str], y: list[str]) -> bool:
    """Exactly one token differs, by one edit (transpositions count as one), in a word of 4+."""
    if len(x) != len(y) or x == y:
        return False
    from rapidfuzz.distance import OSA  # loaded by the duplicate search, not at CLI start

    diffs = [(p, q) for p, q in zip(x, y, strict=True) if p != q]
    return len(diffs) == 1 and min(map(len, diffs[0])) >= 4 and OSA.distance(*diffs[0]) == 1


def _contradict(a: _Contact, b: _Contact) -> bool:
    """Both fully reachable, through different addresses and numbers: two people."""
    return (bool(a.emails and b.emails) and not a.emails & b.emails
            and bool(a.phones and b.phones) and not a.phones.keys() & b.phones.keys())


def _groups(contacts: list[_Contact], edges) -> list[DuplicateGroup]:
    parent = list(range(len(contacts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in edges:
        parent[root(i)] = root(j)
    grouped: dict[int, DuplicateGroup] = {}
    for (i, j), (score, reasons) in sorted(edges.items()):
        group = grouped.setdefault(root(i), DuplicateGroup([], 0, []))
        for k in (i, j):
            if contacts[k].id not in group.ids:
                group.ids.append(contacts[k].id)
        group.score = max(group.score, score)
        group.reasons += [r for r in reasons if r not in group.reasons]
    order = {c.id: n for n, c in enumerate(contacts)}
    for group in grouped.values():
        group.ids.sort(key=order.__getitem__)
    return sorted(grouped.values(), key=lambda g: (-g.score, order[g.ids[0]]))
