"""Write side of the contact index: the rows of one card, replaced inside a write.

Three tables (``cms_dav.store.schema``): ``contact_terms`` for search,
``contact_cards`` for listings and result display, ``contact_values`` for the
addressbook-query prefilter. A card the contacts layer cannot read is still
recorded in ``contact_cards`` (``fields_ok`` false), so nothing is silently lost
from listings, and one vobject cannot read gets ``values_ok`` false, so the
prefilter always treats it as a candidate.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import vobject
from vobject.vcard import VCard3_0
from sqlalchemy import Connection, bindparam, delete, select

from cms_dav.contacts.anniversaries import BIRTHDAY, dates_of
from cms_dav.contacts.card_fields import CardFields, extract_fields
from cms_dav.contacts.errors import ContactError
from cms_dav.contacts.interactions import follow_ups
from cms_dav.contacts.normalize import fold
from cms_dav.contacts import search_order
from cms_dav.contacts.search_terms import MAX_TERM, index_terms
from cms_dav.store import fts
from cms_dav.store.fts_tables import TRIGRAM_TABLES
from cms_dav.store.raw import RawStatement
from cms_dav.contacts.vcard_lines import CardParses, unfold
from cms_dav.io.vobject_text import string_to_text_values
from cms_dav.store.records import ItemRecord, Parsed
from cms_dav.store.schema import (contact_cards, contact_sorted_terms, contact_terms,
                                   contact_values, items)

log = logging.getLogger("cms_dav.contacts")

#: vCard properties whose values are kept for addressbook-query text-match; a
#: prop-filter on any other property makes the prefilter fall back to a scan.
DAV_PROPS = ("fn", "n", "nickname", "email", "tel", "org", "title", "role", "categories",
             "note", "uid", "adr", "url", "kind")


@dataclass
class CardIndex:
    """Everything indexed for one card, computed before touching the database."""

    fields: CardFields | None
    terms: list[tuple[str, str]] = field(default_factory=list)
    values: list[tuple[str, str]] | None = None  # None: vobject could not read the card
    #: the birthday as month * 100 + day (the dashboard's "birthdays this week")
    birthday: int | None = None
    #: the earliest open follow-up (the dashboard's "follow-ups due")
    follow_up: date | None = None
    #: :func:`row_parts` of this index, made where the index was made (an import's
    #: worker: :func:`~.card_work.card_work`), so the write only adds the item's place
    #: to it; None: the write makes it
    parts: "RowParts | None" = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class RowParts:
    """What :func:`write_many` writes of a card that depends on its index alone (issue
    19 target 5: made in an import's worker, off the importer's thread)."""

    #: the contact_cards columns of the card's fields (:func:`_card_row`)
    card: dict[str, object]
    #: :func:`sort_key` of the display name; None when it has none (the href decides)
    sort_key: str | None
    #: the (field, term) pairs of its sorted rows (:func:`search_order.kept_terms`)
    sorted_terms: list[tuple[str, str]]


def row_parts(index: CardIndex) -> RowParts:
    """The :class:`RowParts` of ``index`` (the ones made with it when it has them)."""
    if index.parts is not None:
        return index.parts
    card = _card_row(index)
    fn = str(card.get("fn") or "")
    return RowParts(card, sort_key(fn, "") if fn else None,
                    search_order.kept_terms(card, index.terms))


def _birthday(text: str, parses: CardParses | None) -> int | None:
    found = [d for d in dates_of(text, parses) if d.kind == BIRTHDAY]
    return found[0].month * 100 + found[0].day if found else None


def _first_open_follow_up(fields: CardFields | None) -> date | None:
    if fields is None:
        return None
    return min((f.interaction.follow_up for f in follow_ups(fields.interactions)
                if f.is_open and f.interaction.follow_up is not None), default=None)


def dav_values(text: str, tree: Any = None) -> list[tuple[str, str]] | None:
    """(prop, lower-cased value) pairs as Radicale's ``text_match`` compares them.

    Mirrors radicale.item.filter.text_match: each child of ``<prop>_list``, list
    values split, other values through ``str``; None when vobject cannot parse.
    ``tree``: ``vobject.readOne(text)`` made already (a PUT's parse that the storage
    plugin hands along, :class:`cms_dav.store.records.Parsed`), read instead of a
    second parse of the text.
    """
    if tree is None:
        try:
            tree = vobject.readOne(text)
        except Exception:  # noqa: BLE001 - any parser failure means "cannot prefilter"
            return None
    found: list[tuple[str, str]] = []
    for prop in DAV_PROPS:
        for child in getattr(tree, f"{prop}_list", []):
            values = child.value if type(child.value) is list else [child.value]
            found += [(prop, (v if isinstance(v, str) else str(v)).lower()) for v in values]
    return list(dict.fromkeys(found))


#: the line name of a logical line (group prefix included)
_LINE_NAME = re.compile(r"[A-Za-z0-9.-]+")
#: lines whose change alters how vobject reads every other line
_CARD_SHAPE = frozenset({"BEGIN", "END", "VERSION"})


def _lines_by_name(text: str) -> dict[str, list[str]] | None:
    """Logical lines by upper-cased name (group prefix dropped), in order; None when a
    line has no name (then only a whole parse can tell how vobject reads the card)."""
    found: dict[str, list[str]] = {}
    for line in unfold(text):
        match = _LINE_NAME.match(line)
        if match is None or line[match.end():match.end() + 1] not in (":", ";"):
            return None
        found.setdefault(match.group().rpartition(".")[2].upper(), []).append(line)
    return found


def edited_dav_values(parsed: Parsed, text: str) -> list[tuple[str, str]] | None:
    """:func:`dav_values` of ``text``, an edit of ``parsed.text`` (an upload filter
    rewrote its NOTE or interaction lines), without a vobject parse of the whole card:
    the properties whose lines the edit left alone are read from ``parsed.tree``,
    the others from their lines alone (:func:`_edited_values`); vobject reads each
    content line on its own, so that is what a parse of ``text`` gives. None when this
    cannot be told so (a line without a name, quoted-printable soft breaks, a changed
    BEGIN/END/VERSION, a parse failure): then the caller parses ``text`` (issue 19)."""
    if "QUOTED-PRINTABLE" in text.upper():
        return None
    before, after = _lines_by_name(parsed.text), _lines_by_name(text)
    if before is None or after is None:
        return None
    changed = {name for name in before.keys() | after.keys()
               if before.get(name) != after.get(name)}
    if changed & _CARD_SHAPE:
        return None
    reparsed = [prop for prop in DAV_PROPS if prop.upper() in changed]
    tree: Any = parsed.tree
    if reparsed:
        edited = _edited_values(reparsed, after)
        if edited is None:
            return None
        tree = _Merged(parsed.tree, edited)
    return dav_values(text, tree)


#: DAV properties vobject reads with its default text behaviour (not among vCard 3.0's
#: known children, whose behaviours split or decode otherwise): NOTE, EMAIL, TEL...
_PLAIN_TEXT = frozenset(prop for prop in DAV_PROPS
                        if prop.upper() not in VCard3_0.knownChildren)
#: a line without parameters, ``[group.]NAME:``: vobject's line pattern can split it
#: only there (a name holds no dot, parameters begin with ";")
_BARE_LINE = re.compile(r"(?:[A-Za-z0-9-]+\.)?[A-Za-z0-9-]+:")


@dataclass(frozen=True)
class _Read:
    """One edited line's value as vobject reads it (what :func:`dav_values` takes)."""

    value: Any


def _bare_values(props: list[str], after: dict[str, list[str]]
                 ) -> dict[str, list[Any]] | None:
    """The lines of ``props`` as vobject reads them when each is a plain text property
    on a line without parameters (the first of
    :func:`cms_dav.io.vobject_text.string_to_text_values`, vobject's reading), by
    property; None when one is not."""
    found: dict[str, list[Any]] = {}
    for prop in props:
        if prop not in _PLAIN_TEXT:
            return None
        values = found[prop] = []
        for line in after.get(prop.upper(), []):
            bare = _BARE_LINE.match(line)
            if bare is None:
                return None
            values.append(_Read(string_to_text_values(line[bare.end():])[0]))
    return found


def _edited_values(props: list[str], after: dict[str, list[str]]
                   ) -> dict[str, list[Any]] | None:
    """The edited lines of ``props`` as vobject reads them, by property: without
    vobject when :func:`_bare_values` can tell (issue 19 putpath: the rewritten NOTE of
    most uploads), else from a vobject parse of just those lines with the card's
    VERSION (which decides how vobject decodes a value); None when that fails."""
    bare = _bare_values(props, after)
    if bare is not None:
        return bare
    lines = [*after.get("VERSION", []),
             *(line for prop in props for line in after.get(prop.upper(), []))]
    try:
        partial = vobject.readOne("\r\n".join(["BEGIN:VCARD", *lines, "END:VCARD", ""]))
    except Exception:  # noqa: BLE001 - let the whole parse decide
        return None
    return {prop: getattr(partial, f"{prop}_list", []) for prop in props}


@dataclass(frozen=True)
class _Merged:
    """The ``<prop>_list`` view :func:`dav_values` reads: the edited properties'
    lines from ``edited``, every other property from ``whole``."""

    whole: Any
    edited: dict[str, list[Any]]

    def __getattr__(self, name: str) -> Any:
        prop = name.removesuffix("_list")
        if prop in self.edited:
            return self.edited[prop]
        return getattr(self.whole, name)


def analyse(text: str, default_region: str, where: str, tree: Any = None,
            parsed: Parsed | None = None, parses: CardParses | None = None) -> CardIndex:
    """Read a card for the index; problems are logged, never raised (the card is stored).
    ``tree``: vobject's parse of ``text`` when the write came with one (:func:`dav_values`);
    ``parsed``: else a parse of the text an upload filter edited into ``text``
    (:func:`edited_dav_values`); ``parses``: the line parses the upload filter made
    (:class:`~.vcard_lines.CardParses`)."""
    try:
        fields = extract_fields(text, default_region, parses)
        terms = index_terms(fields, default_region)
    except ContactError as exc:
        log.warning("%s: card stored but not indexed for search: %s", where, exc)
        fields, terms = None, []
    values = None
    if tree is None and parsed is not None:
        values = edited_dav_values(parsed, text)
    if values is None:
        values = dav_values(text, tree)
    return CardIndex(fields, terms, values, _birthday(text, parses),
                     _first_open_follow_up(fields))


_ITEM_ID = select(items.c.id).where(items.c.collection_id == bindparam("cid"),
                                    items.c.href == bindparam("href"))


def item_id(conn: Connection, collection_id: int, href: str) -> int | None:
    return conn.execute(_ITEM_ID, {"cid": collection_id, "href": href}).scalar()


def written_id(conn: Connection, collection_id: int, new: ItemRecord) -> int | None:
    """The row id of an item just written: the one the write returned, else looked up
    (a record made without it, e.g. by ``cms-dav reindex`` reading stored rows)."""
    return new.id if new.id is not None else item_id(conn, collection_id, new.href)


#: :func:`drop`'s statements, built once and run as plain DB-API (a card's update)
_DROPS = tuple(RawStatement(delete(table).where(table.c.item_id == bindparam("item_id")))
               for table in (contact_terms, contact_sorted_terms, contact_values,
                             contact_cards))


def drop(conn: Connection, ids: list[int]) -> None:
    """Forget cards (the FK cascade does this on delete; replace and reindex need it)."""
    rows = [{"item_id": ident} for ident in ids]
    for statement in _DROPS:
        statement.execute_many(conn, rows)


def _card_row(index: CardIndex) -> dict[str, object]:
    f = index.fields
    if f is None:
        return {"fields_ok": False}
    when = f.last_contacted
    return {"uid": f.uid, "fn": f.display_name, "kind": f.kind, "org": "; ".join(f.orgs),
            "nicknames": json.dumps(f.nicknames, ensure_ascii=False),
            "emails": json.dumps(f.emails, ensure_ascii=False),
            "phones": json.dumps(f.phones, ensure_ascii=False),
            "categories": json.dumps(f.categories, ensure_ascii=False),
            "members": json.dumps(f.members, ensure_ascii=False),
            "is_group": f.is_group, "fields_ok": True,
            "last_contacted": when.timestamp() if when else None}


def sort_key(fn: str, href: str) -> str:
    """The list order of a card: its folded display name, or its href when it has none
    (as the contacts list shows it); cut like terms, for PostgreSQL's btree."""
    return fold(fn or href)[:MAX_TERM]


#: built once and run as plain DB-API (:mod:`cms_dav.store.raw`): a PUT writes each
_INSERT_CARD = RawStatement(contact_cards.insert())
_INSERT_TERMS = RawStatement(contact_terms.insert())
_INSERT_VALUES = RawStatement(contact_values.insert())
#: the columns of :func:`write_many`'s term and value rows, in the order they are given
_TERM_COLUMNS = ("item_id", "collection_id", "field", "term")
_VALUE_COLUMNS = ("item_id", "collection_id", "prop", "value")


@dataclass(frozen=True)
class IndexWrite:
    """One card's index rows to write (:func:`write_many`)."""

    ident: int
    collection_id: int
    href: str
    etag: str
    index: CardIndex
    #: the item row was inserted in this transaction: it has no index rows yet
    fresh: bool = False


#: an update of at most this many items (a PUT's one) replaces only the index rows
#: that changed (:func:`_replace_changed`); a bigger batch (a reindex, an import over a
#: book) drops every row of its items and inserts them anew
CHANGED_ROWS_LIMIT = 16
#: more rows than this kept in one table: the item's rows there are all replaced
#: (:func:`fts.feed_new` names the kept ids in one statement)
_KEPT_LIMIT = 900


@dataclass(frozen=True)
class _RowTable:
    """How :func:`_replace_changed` reads, deletes and inserts one table's rows of an
    item: ``old`` selects them as (row key..., *columns), ``gone`` deletes one by its
    key, ``insert`` adds rows given as tuples of ``columns``."""

    name: str
    columns: tuple[str, ...]
    old: RawStatement
    gone: RawStatement
    gone_keys: tuple[str, ...]
    insert: RawStatement
    #: the table has an ``id`` (the row key) and a trigram table fed by it
    ids: bool


def _by_id(table: Any, columns: tuple[str, ...]) -> _RowTable:
    return _RowTable(
        table.name, columns,
        RawStatement(select(table.c.id, *(table.c[c] for c in columns))
                     .where(table.c.item_id == bindparam("item_id"))),
        RawStatement(delete(table).where(table.c.id == bindparam("id"))), ("id",),
        RawStatement(table.insert()), True)


_TERM_ROWS = _by_id(contact_terms, _TERM_COLUMNS)
_VALUE_ROWS = _by_id(contact_values, _VALUE_COLUMNS)
_SORTED_ROWS = _RowTable(
    contact_sorted_terms.name, search_order.COLUMNS,
    RawStatement(select(*(contact_sorted_terms.c[c] for c in search_order.COLUMNS))
                 .where(contact_sorted_terms.c.item_id == bindparam("item_id"))),
    RawStatement(delete(contact_sorted_terms).where(
        *(contact_sorted_terms.c[c] == bindparam(c) for c in search_order.COLUMNS))),
    search_order.COLUMNS, RawStatement(contact_sorted_terms.insert()), False)


def _replace_changed(conn: Connection, ident: int, table: _RowTable,
                     rows: list[tuple[object, ...]]) -> None:
    """Make ``table``'s rows of item ``ident`` the multiset ``rows`` (tuples of its
    columns) by deleting the old rows not among them and inserting the new ones only:
    a changed card keeps most of its ~30 term and ~15 value rows, each a leaf of an
    index ordered by term (and a trigram entry) that a drop and insert of them all
    rewrote twice (issue 19: a changed card's PUT). The rows left are those of a drop
    and insert; only unchanged rows keep their ids (nothing reads the ids' order)."""
    found = table.old.execute(conn, {"item_id": ident})
    old: dict[tuple[object, ...], list[Any]] = {}
    for row in found:
        key, columns = (row[0], tuple(row[1:])) if table.ids else (row, tuple(row))
        old.setdefault(columns, []).append(key)
    added: list[tuple[object, ...]] = []
    kept: list[Any] = []
    for row in rows:
        keys = old.get(row)
        if keys:
            kept.append(keys.pop())
        else:
            added.append(row)
    gone = [key for keys in old.values() for key in keys]
    if len(kept) > _KEPT_LIMIT:
        gone = [row[0] if table.ids else row for row in found]
        added, kept = list(rows), []
    if gone:
        table.gone.execute_many(conn, [dict(zip(table.gone_keys, (key,) if table.ids
                                                else key, strict=True)) for key in gone])
    if added:
        table.insert.execute_tuples(conn, table.columns, added)
        if table.ids and table.name in TRIGRAM_TABLES:
            if kept:
                fts.feed_new(conn, table.name, ident, kept)
            else:
                fts.feed_many(conn, table.name, [ident])


def write_many(conn: Connection, writes: list[IndexWrite]) -> None:
    """Replace the index rows of several items: one statement per table for them all
    (one card's write, or a batch of ``cms-dav import``, issue 19). ``fresh`` items
    have no rows yet; the others' rows are dropped first, or for a write of at most
    :data:`CHANGED_ROWS_LIMIT` items only those that changed (:func:`_replace_changed`).
    An item written twice gets the rows of its last write."""
    last: dict[int, IndexWrite] = {}
    stale: list[int] = []
    for one in writes:
        if one.ident not in last and not one.fresh:
            stale.append(one.ident)
        last[one.ident] = one
    changed = set(stale) if len(stale) <= CHANGED_ROWS_LIMIT else set()
    if changed:
        _DROPS[-1].execute_many(conn, [{"item_id": ident} for ident in stale])  # cards
    elif stale:
        drop(conn, stale)
    cards: list[dict[str, object]] = []
    # tuples of _TERM_COLUMNS, search_order.COLUMNS, _VALUE_COLUMNS: an import's
    # ~20 rows per card skip a dict each (issue 19)
    terms: list[tuple[object, ...]] = []
    sorted_rows: list[tuple[object, ...]] = []
    values: list[tuple[object, ...]] = []
    termed: list[int] = []
    valued: list[int] = []
    for one in last.values():
        ident, collection_id, index, href = one.ident, one.collection_id, one.index, one.href
        parts = row_parts(index)
        key = parts.sort_key if parts.sort_key is not None else sort_key("", href)
        row = {"item_id": ident, "collection_id": collection_id, "href": href,
               "etag": one.etag, "values_ok": index.values is not None,
               "birthday": index.birthday, "follow_up": index.follow_up,
               **parts.card, "sort_key": key}
        cards.append(row)
        if ident in changed:
            _replace_changed(conn, ident, _TERM_ROWS, [
                (ident, collection_id, f, t[:MAX_TERM]) for f, t in index.terms])
            _replace_changed(conn, ident, _SORTED_ROWS, [
                (f, collection_id, t, key, href, ident) for f, t in parts.sorted_terms]
                if index.terms else [])
            _replace_changed(conn, ident, _VALUE_ROWS, [
                (ident, collection_id, p, v) for p, v in index.values or ()])
            continue
        if index.terms:
            terms += [(ident, collection_id, f, t[:MAX_TERM]) for f, t in index.terms]
            termed.append(ident)
            sorted_rows += [(f, collection_id, t, key, href, ident)
                            for f, t in parts.sorted_terms]
        if index.values:
            values += [(ident, collection_id, p, v) for p, v in index.values]
            valued.append(ident)
    if cards:
        # each row a dict of its own: values(fn=...) would clash; rows without fields
        # leave the card columns to their defaults, so those go one by one
        # (the raw statement fills them from the columns' defaults, as Core did)
        _INSERT_CARD.execute_many(conn, cards)
    if terms:
        _INSERT_TERMS.execute_tuples(conn, _TERM_COLUMNS, terms)
        fts.feed_many(conn, "contact_terms", termed)
        if sorted_rows:
            search_order.insert_tuples(conn, sorted_rows)
    if values:
        _INSERT_VALUES.execute_tuples(conn, _VALUE_COLUMNS, values)
        fts.feed_many(conn, "contact_values", valued)
