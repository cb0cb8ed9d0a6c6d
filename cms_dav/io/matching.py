"""Which existing contact an imported record is: UID, then e-mail, then phone.

Used by the importer so that re-importing a file updates instead of
duplicating; rows of the same file are added as they are imported, so a
file listing one person twice also yields one contact.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cms_dav.contacts.normalize import email_key, phone_keys
from cms_dav.io.contact_record import ContactRecord


def match_keys(record: ContactRecord, default_region: str = "") -> list[str]:
    """Keys in order of trust: 'uid:…', then 'email:…', then 'phone:…'."""
    keys = [f"uid:{record.uid}"] if record.uid else []
    keys += [f"email:{email_key(v)}" for _, v in record.emails if email_key(v)]
    for _, raw in record.phones:
        keys += sorted(f"phone:{k}" for k in phone_keys(raw, default_region))
    return list(dict.fromkeys(keys))


@dataclass
class Match:
    contact_id: str
    reason: str  # e.g. "same UID", "same e-mail ada@example.com"


@dataclass
class ImportMatcher:
    """Index of the address book's contacts by match key; first claim wins."""

    default_region: str = ""
    _by_key: dict[str, str] = field(default_factory=dict)

    def keys(self, record: ContactRecord) -> list[str]:
        """``record``'s match keys: computed once by a caller that both finds and adds it
        (phone keys parse every number)."""
        return match_keys(record, self.default_region)

    def add(self, contact_id: str, record: ContactRecord) -> None:
        self.add_keys(contact_id, self.keys(record))

    def add_keys(self, contact_id: str, keys: list[str]) -> None:
        """:meth:`add` of a record whose :meth:`keys` the caller has (an import's
        worker made them)."""
        for key in keys:
            self._by_key.setdefault(key, contact_id)

    def find(self, record: ContactRecord) -> Match | None:
        return self.find_by(self.keys(record))

    def find_by(self, keys: list[str]) -> Match | None:
        """:meth:`find` of a record whose :meth:`keys` the caller has."""
        for prefix, label in (("uid:", "same UID"), ("email:", "same e-mail"),
                              ("phone:", "same phone")):
            for key in keys:
                if key.startswith(prefix) and key in self._by_key:
                    detail = "" if prefix == "uid:" else " " + key[len(prefix):]
                    return Match(self._by_key[key], label + detail)
        return None
