"""Export an address book or calendar from the store, optionally filtered.

Filtering uses the contact layer's own search scoring and category folding, so
``export --search`` selects what ``search`` would show.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from typing import TYPE_CHECKING, Iterator

from cms_dav.contacts.normalize import fold
from cms_dav.io.contact_record import vcard_to_record
from cms_dav.io.export_formats import export_csv, export_ics, export_vcf, export_xlsx
from cms_dav.store.store import Store

if TYPE_CHECKING:
    from cms_dav.contacts.search_terms import Query

EXPORT_FORMATS = ("vcf", "csv", "xlsx", "ics")


class ExportError(ValueError):
    pass


def export_collection(store: Store, path: str, fmt: str, *, category: str | None = None,
                      search: str | None = None, default_region: str = "",
                      fields: Sequence[str] = (), only: Set[str] | None = None) -> bytes:
    """The collection's objects in ``fmt``; text formats are UTF-8. ``fields``: the
    custom field keys CSV/xlsx get a column for; ``only``: the hrefs to export (the
    typed filters, answered from the index)."""
    path = path.strip("/")
    collection = store.collection(path)
    if collection is None:
        raise ExportError(f"no collection /{path}/")
    if fmt not in EXPORT_FORMATS:
        raise ExportError(f"unknown format {fmt!r} (choose from {', '.join(EXPORT_FORMATS)})")
    is_calendar = collection.tag == "VCALENDAR"
    if collection.tag not in ("VADDRESSBOOK", "VCALENDAR"):
        raise ExportError(f"/{path}/ is neither an address book nor a calendar")
    if is_calendar != (fmt == "ics"):
        raise ExportError(f"/{path}/ is {'a calendar' if is_calendar else 'an address book'}: "
                          f"export it as {'ics' if is_calendar else 'vcf, csv or xlsx'}")
    if is_calendar and (category or search or only is not None):
        raise ExportError("--category, --search and --where filter contacts, not events")
    texts = list(_texts(store, collection.id, category, search, default_region, only))
    if fmt == "ics":
        return export_ics(texts).encode("utf-8")
    if fmt == "vcf":
        return export_vcf(texts).encode("utf-8")
    records = [vcard_to_record(text) for text in texts]
    return export_csv(records, fields) if fmt == "csv" else export_xlsx(records, fields)


def _texts(store: Store, collection_id: int, category: str | None, search: str | None,
           region: str, only: Set[str] | None = None) -> Iterator[str]:
    query = None
    if search:
        from cms_dav.contacts.search_terms import parse_query
        query = parse_query(search, region)  # ContactError is a ValueError: bad query
    wanted = fold(category) if category else None
    for item in store.all_items(collection_id):
        assert item.text is not None
        if only is not None and item.href not in only:
            continue
        if wanted is not None and wanted not in {
                fold(c) for c in vcard_to_record(item.text).categories}:
            continue
        if query is not None and not _matches(query, item.text, region):
            continue
        yield item.text


def _matches(query: Query, text: str, region: str) -> bool:
    from cms_dav.contacts.card_fields import extract_fields
    from cms_dav.contacts.search_terms import score
    return score(query, extract_fields(text, region)) > 0
