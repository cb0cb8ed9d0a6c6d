"""One search over the address books a user may read: a text query ranked by score,
typed conditions of the fields file (``--where``), category, city, organisation and
"not contacted since". The CLI's ``cms-dav search`` and the JSON API both call
:func:`search_contacts`, so both find exactly the same people."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from cms_dav.contacts.condition_query import matching_ids
from cms_dav.contacts.conditions import parse_conditions
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.field_defs import FieldSet
from cms_dav.contacts.normalize import fold
from cms_dav.contacts.query import Contact, address_books, contacts_by_ids
from cms_dav.contacts.query import search as ranked_search
from cms_dav.store.sql import as_db

if TYPE_CHECKING:
    from cms_dav.acl.policy import Policy
    from cms_dav.store.sql import Conn


@dataclass(frozen=True)
class SearchRequest:
    """What to look for; ``not_contacted_for`` in seconds."""

    query: str | None = None
    conditions: Sequence[str] = ()
    category: str | None = None
    city: str | None = None
    org: str | None = None
    not_contacted_for: float | None = None
    limit: int = 50

    @property
    def empty(self) -> bool:
        """Nothing at all is asked for (neither a query nor a filter)."""
        return self.query is None and not (self.conditions or self.city or self.category
                                           or self.org or self.not_contacted_for is not None)


def search_contacts(conn: Conn, policy: "Policy", fields: FieldSet,
                    default_region: str, user: str | None,
                    request: SearchRequest) -> list[Contact]:
    """The people ``request`` finds in the books ``user`` may read (all without a user);
    ranked by score with a query, else by name. Raises ContactError (a bad condition)."""
    if request.empty:
        raise ContactError("give a query (q) or a filter (where, category, city, org, "
                           "not_contacted_days)")
    conn = as_db(conn)  # one wrapper for every statement below
    typed = bool(request.conditions or request.city)
    bound = parse_conditions(tuple(request.conditions), fields)
    books = address_books(conn, policy, user)
    wanted = matching_ids(conn, books, bound, category=request.category, city=request.city,
                          not_contacted_for=request.not_contacted_for
                          ) if typed or request.query is None else None
    if request.query is None:
        return [c for c in contacts_by_ids(conn, books, wanted or ())
                if request.org is None or fold(request.org) in fold(c.org)][:request.limit]
    found = ranked_search(conn, books, request.query, default_region,
                          category=request.category, org=request.org,
                          not_contacted_for=request.not_contacted_for,
                          limit=request.limit if wanted is None else None)
    return [c for c in found if wanted is None or c.item_id in wanted][:request.limit]
