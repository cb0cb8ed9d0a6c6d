"""Which address books a report covers: only those the acting user may read.

The decision is the App's :class:`~cms_dav.acl.policy.Policy` (the one HTTP asks),
through :func:`cms_dav.contacts.query.address_books`. Without a user the report is the
local administrator's view of every address book (as every other CLI command).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from sqlalchemy import Connection

from cms_dav.contacts.query import Book, address_books

if TYPE_CHECKING:
    from cms_dav.acl.policy import Policy


class ScopeError(ValueError):
    """A named address book that does not exist or that the user may not read."""


def books_for(conn: Connection, policy: "Policy", user: str | None,
              wanted: Sequence[str]) -> list[Book]:
    """The readable books named in ``wanted`` ("/alice/contacts/"), or all readable ones.

    A named book the user may not read is refused with the same words as a missing
    one, so the answer never tells which books exist.
    """
    readable = address_books(conn, policy, user)
    if not wanted:
        return readable
    by_path = {book.path: book for book in readable}
    chosen: list[Book] = []
    for name in wanted:
        book = by_path.get(name.strip("/"))
        if book is None:
            who = f"user {user!r}" if user else "the store"
            raise ScopeError(f"/{name.strip('/')}/ is not an address book {who} may read")
        if book not in chosen:
            chosen.append(book)
    return chosen
