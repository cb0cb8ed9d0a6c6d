"""Who belongs to a category or group, however the client recorded it.

Clients record membership in two ways: ``CATEGORIES`` on each member's card
(Thunderbird, DAVx5, Outlook) or one group card listing its members' UIDs
(Apple ``X-ADDRESSBOOKSERVER-KIND:group`` + ``X-ADDRESSBOOKSERVER-MEMBER``,
vCard 4 ``KIND:group`` + ``MEMBER``). A category and a group with the same name
(compared case- and accent-insensitively) are the same set of people, so
``--category VIP`` and ``--group VIP`` give the same answer.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Sequence

from cms_dav.contacts.card_fields import CardFields
from cms_dav.contacts.normalize import email_key, fold


def _named(card: CardFields, key: str) -> bool:
    return card.is_group and key in {fold(card.fn), *(fold(n) for n in card.nicknames)}


def members_of_group(cards: Sequence[CardFields], name: str) -> list[CardFields]:
    """Individual cards in the category or group ``name``, in the order of ``cards``.

    Group members are matched by UID; a vCard 4 ``MEMBER:mailto:`` reference by e-mail.
    """
    key = fold(name)
    if not key:
        return []
    listed = {ref for card in cards if _named(card, key) for ref in card.members}
    listed_mail = {email_key(ref) for ref in listed if ref.lower().startswith("mailto:")}
    found = []
    for card in cards:
        if card.is_group:
            continue
        if (key in {fold(c) for c in card.categories}
                or (card.uid and card.uid in listed)
                or listed_mail.intersection(email_key(e) for e in card.emails)):
            found.append(card)
    return found


members_of_category = members_of_group  # one notion, two CLI spellings


def groups_of(card: CardFields, cards: Iterable[CardFields]) -> list[str]:
    """Names of the categories and group cards ``card`` belongs to (for listings)."""
    names = list(card.categories)
    mails = {email_key(e) for e in card.emails}
    for group in cards:
        if not group.is_group or not group.fn:
            continue
        refs = set(group.members)
        if (card.uid and card.uid in refs) or mails.intersection(
                email_key(r) for r in refs if r.lower().startswith("mailto:")):
            names.append(group.fn)
    seen: set[str] = set()
    unique = []
    for name in names:
        if fold(name) not in seen:
            seen.add(fold(name))
            unique.append(name)
    return unique


def group_names(cards: Iterable[CardFields]) -> dict[str, int]:
    """Every category and group name with its member count, for ``contacts groups``."""
    cards = list(cards)
    spelled: dict[str, str] = {}
    for card in cards:
        for name in card.categories + ([card.fn] if card.is_group and card.fn else []):
            spelled.setdefault(fold(name), name)
    counts = Counter({spelled[key]: len(members_of_group(cards, spelled[key])) for key in spelled})
    return dict(sorted(counts.items(), key=lambda kv: fold(kv[0])))
