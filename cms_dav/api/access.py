"""Which collection or contact a caller may reach, asked of the ACL policy exactly as
the DAV door asks it (:meth:`cms_dav.acl.policy.Policy.authorization`, the letters
Radicale checks): 404 for what the caller may not know of, 403 for a write to what
it may only read. Also how store refusals become problem answers."""

from __future__ import annotations

from cms_dav.api.auth import Door
from cms_dav.api.problems import ApiProblem
from cms_dav.contacts.errors import ContactError
from cms_dav.limits.errors import LimitExceeded
from cms_dav.store import items
from cms_dav.store.records import CollectionRecord, ItemRecord
from cms_dav.store.store import NotFound

ADDRESS_BOOK = "VADDRESSBOOK"


def letters(door: Door, path: str) -> str:
    """The caller's Radicale letters on collection ``path`` (lower-cased)."""
    return door.services.policy.authorization(door.user, f"/{path}/").lower()


def collection(door: Door, owner: str, name: str, need: str = "r",
               tag: str = ADDRESS_BOOK) -> CollectionRecord:
    """The collection ``owner/name`` of kind ``tag`` if the caller may ``need`` it."""
    path = f"{owner}/{name}"
    granted = letters(door, path)
    record = door.store.collection(path) if "r" in granted else None
    if record is None or record.tag != tag:
        raise ApiProblem(404, f"no address book /{path}/ that {door.user} may read")
    if need == "w" and "w" not in granted:
        raise ApiProblem(403, f"{door.user} may read /{path}/ but not change it")
    return record


def segment_book(door: Door, name: str) -> CollectionRecord:
    """The address book the caller's segment ``name`` (their own or a group's) is
    published as in their home, brought up to date first as a CardDAV request on it
    would be; 404 when the caller has no such segment."""
    segments = door.services.segments
    record = next((s for s in segments.for_viewer(door.user) if s.name == name), None)
    if record is None:
        raise ApiProblem(404, f"no segment {name!r} for {door.user}")
    segments.bring_up_to_date(door.user, record)
    return collection(door, door.user, name)


def item(door: Door, record: CollectionRecord, href: str) -> ItemRecord:
    found = door.store.item(record.id, href)
    if found is None or found.text is None:
        raise ApiProblem(404, f"no contact {href} in /{record.path}/")
    return found


def refusal(exc: Exception) -> ApiProblem:
    """The answer to a write the store or the domain refused (nothing was stored)."""
    if isinstance(exc, LimitExceeded):
        return ApiProblem(exc.status, str(exc.description))
    if isinstance(exc, items.UidConflict):
        return ApiProblem(409, str(exc))
    if isinstance(exc, NotFound):
        return ApiProblem(404, str(exc))
    if isinstance(exc, ContactError):
        return ApiProblem(422, str(exc))
    raise exc
