"""Plain records the store hands out: no SQLAlchemy rows leak past the store."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

#: the property marking a server-generated collection (:mod:`cms_dav.acl.generated`);
#: here, not in :mod:`cms_dav.store.quota`, so that readers that skip generated
#: collections (a ``cms-dav search``) do not load the quota and limit errors
GENERATED_MARKER = "{http://cms-dav.org/ns/}generated"


@dataclass(frozen=True)
class WriteOrigin:
    """Where a write came from, for the audit trail and history (issue 13 item 3).

    The door builds it: ``http`` from the request (``address`` is the peer's REMOTE_ADDR,
    no proxy header is trusted; ``method`` the HTTP method), ``cli`` from the command
    (``address`` "local", ``method`` the command path, e.g. "notes add"). It never holds a
    password or token."""

    user: str
    door: str = ""
    address: str = ""
    method: str = ""
    #: WebDAV-Push subscriptions (ids, or "*" for all of ``user``'s) that must not hear
    #: of this write: the request's ``Push-Dont-Notify`` (the client made the change)
    push_dont_notify: tuple[str, ...] = ()


#: How a store turns the ``actor`` of a write into its origin; the composition root
#: (:func:`cms_dav.app.build_app`) wires one per door.
OriginOf = Callable[[str], WriteOrigin]


def unknown_origin(user: str) -> WriteOrigin:
    """The origin of a write whose door said nothing more than the user (library use)."""
    return WriteOrigin(user=user)


@dataclass(frozen=True, eq=False)
class Parsed:
    """A parse of one exact text (e.g. Radicale's vobject tree of a PUT body), handed
    along a write so the store's hooks need not parse the text again (issue 19). It
    stands for the very string object it was made from: :meth:`of` answers only for that
    object, so a filter that replaced the text (``dataclasses.replace``) cannot make a
    hook read a stale tree."""

    text: str
    tree: Any

    def of(self, text: str | None) -> Any:
        """The tree when it is the parse of ``text`` itself, else None."""
        return self.tree if text is not None and text is self.text else None


@dataclass(frozen=True)
class CollectionRecord:
    id: int
    path: str
    tag: str
    props: Mapping[str, str]
    modified_at: float
    sync_seq: int
    sync_floor: int
    sync_epoch: str

    @classmethod
    def from_row(cls, row: Any) -> "CollectionRecord":
        return cls(id=row.id, path=row.path, tag=row.tag, props=json.loads(row.props),
                   modified_at=row.modified_at, sync_seq=row.sync_seq,
                   sync_floor=row.sync_floor, sync_epoch=row.sync_epoch)

    @property
    def owner(self) -> str:
        return self.path.split("/", 1)[0]


@dataclass(frozen=True)
class ItemRecord:
    """An item as stored; ``text`` is None when the caller asked for metadata only.
    ``id`` is the row's id when the write that made the record knows it (``items.put``
    returns it, so the write hooks need not look the row up again), else None."""
    collection_id: int
    href: str
    uid: str
    name: str
    component: str
    etag: str
    time_start: int
    time_end: int
    modified_at: float
    text: str | None = None
    id: int | None = field(default=None, compare=False)
    #: the parse the write came with (:class:`Parsed`), for the write hooks; None else
    parsed: Parsed | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ItemData:
    """What a write needs: the serialized text and the facts Radicale parsed from it."""
    text: str
    uid: str
    etag: str
    name: str
    component: str
    time_start: int = 0
    time_end: int = 0
    #: a parse of ``text`` the door already made (:class:`Parsed`), or None
    parsed: Parsed | None = field(default=None, compare=False, repr=False)


@dataclass
class WriteResult:
    new: ItemRecord
    old: ItemRecord | None
    #: True when the store changed the text it was given (e.g. kept interaction notes)
    modified: bool = False
    notes: list[str] = field(default_factory=list)
