"""Radicale storage plugin over cms_dav's SQL store (built by :class:`cms_dav.app.App`).

Only translation lives here: Radicale's collection/item objects onto
``cms_dav.store.Store`` calls. Reads build items from stored text, ETag and UID and
never parse; collection ETag, sync token, UID check and time-range prefilters are
answered from indexed columns. Radicale's private names (Item's fields, the
``_supports_*`` flags, ``acquire_lock``'s keywords) are reached through
:mod:`cms_dav.radicale_compat`; ``[storage] hook`` runs after each committed change
(:mod:`cms_dav_plugins.storage_hook`).
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Optional

from radicale import item as radicale_item
from radicale import pathutils, storage
from radicale.item import filter as radicale_filter
from radicale.log import logger

from cms_dav import radicale_compat, request_context
from cms_dav.calendars.occurrence_query import candidates, index_kept, indexed_range
from cms_dav.io.as_sent import collection_item_data
from cms_dav.io.object_split import SplitError, split_calendar_texts, split_vcard_texts
from cms_dav.io.stored_items import item_data_from_upload, new_href, upload_parse
from cms_dav.limits.advertised import SERVER_SET, calendar_properties
from cms_dav.limits import work
from cms_dav.limits.errors import LimitExceeded
from cms_dav.store import items as item_rows
from cms_dav.store import paths
from cms_dav.store.records import CollectionRecord, ItemData, ItemRecord
from cms_dav.store.store import NotFound, Store
from cms_dav_plugins import not_standalone
from cms_dav_plugins.storage_hook import StorageHook
from cms_dav_plugins.upload_watch import UploadParse

_EXPECTED_NAME = {"VADDRESSBOOK": "VCARD", "VCALENDAR": "VCALENDAR"}


def current_actor() -> str:
    """Who this request's writes are audited as (set when Radicale takes its lock)."""
    context = request_context.current()
    return context.actor if context is not None else ""


def _forget_lookups() -> None:
    """The store changed (or may have): nothing this request looked up is trusted."""
    context = request_context.current()
    if context is not None:
        context.memo.clear()


@contextmanager
def _writing() -> Iterator[None]:
    """Around every store write: the lookups remembered in this request are stale
    afterwards; and Radicale answers a ValueError from storage with a bare 400, so a
    limit refusal is put on the request context for the limits layer to answer instead."""
    try:
        yield
    except LimitExceeded as exc:
        context = request_context.current()
        if context is not None:
            context.refuse(exc)
        raise
    finally:
        _forget_lookups()


def _budgeted(found: Iterable[tuple[radicale_item.Item, bool]]
              ) -> Iterator[tuple[radicale_item.Item, bool]]:
    """``found`` with the query time budget checked for each item the index already
    matched: Radicale checks it in its filter (``cms_dav.limits.recurrence``), which it
    skips for those ([limits] query_seconds still stops a query answered from an index)."""
    for item, matched in found:
        if matched:
            work.check_deadline()
        yield item, matched


@dataclass
class _WriteScope:
    """One ``acquire_lock("w")``: did a write of it commit? (then ``[storage] hook`` runs)"""

    committed: bool = False


@dataclass(frozen=True)
class _LookedUp:
    """What the lookup before a PUT's write lock found at the upload's path: its book
    (``parent``) and the stored item there (None: none)."""

    path: str
    parent: CollectionRecord
    item: ItemRecord | None


#: the write lock this context holds; set and reset by Storage.acquire_lock only
_write_scope: ContextVar[_WriteScope | None] = ContextVar("cms_dav_write_scope", default=None)


def _committed() -> None:
    """A store write under the current write lock has committed."""
    scope = _write_scope.get()
    if scope is not None:
        scope.committed = True


def _http_date(timestamp: float) -> str:
    return formatdate(timestamp, usegmt=True)


class StoredItem(radicale_item.Item):
    """An item whose text is fetched from the database only when something needs it."""

    def __init__(self, collection: "Collection", record: ItemRecord) -> None:
        # What Item.__init__ would set, without its per-item path assertions (the
        # collection path comes from the store, already sanitized) and without text
        radicale_compat.init_item_fast(
            self, collection=collection, collection_path=collection.path,
            href=record.href, last_modified=_http_date(record.modified_at),
            text=record.text, etag=record.etag, uid=record.uid, name=record.name,
            component_name=record.component,
            time_range=(record.time_start, record.time_end))
        self._record = record

    def serialize(self) -> str:
        text = radicale_compat.item_text_if_loaded(self)
        if text is None:
            collection = self.collection
            assert isinstance(collection, Collection)
            text = collection.store.item_text(self._record.collection_id, self._record.href)
            if text is None:
                raise RuntimeError(f"item {self.href!r} vanished from {collection.path!r}")
            radicale_compat.fill_item_text(self, text)
        return text

    @property
    def vobject_item(self):
        if not radicale_compat.item_is_parsed(self):
            self.serialize()
        return super().vobject_item


class Collection(storage.BaseCollection):

    def __init__(self, store: Store, record: CollectionRecord | None) -> None:
        self.store = store
        self._record = record

    # -- identity and metadata -------------------------------------------------
    @property
    def path(self) -> str:
        return self._record.path if self._record else ""

    @property
    def record(self) -> CollectionRecord:
        if self._record is None:
            raise ValueError("the root collection holds no items")
        return self._record

    def get_meta(self, key: Optional[str] = None):
        props = dict(self._record.props) if self._record else self.store.root_props()
        if self.tag == "VCALENDAR":
            props.update(calendar_properties(self.store.limits))
        return props if key is None else props.get(key)

    @property
    def tag(self) -> str:
        return self._record.tag if self._record else ""

    def set_meta(self, props: Mapping[str, str]) -> None:
        stored = {k: v for k, v in props.items() if k not in SERVER_SET}
        if self._record is None:  # PROPPATCH / : the root has no row (stock: 207)
            with _writing():
                self.store.set_root_props(stored, current_actor())
            _committed()
            return
        with _writing():
            self.store.set_props(self.path, stored, current_actor())
        _committed()
        self._record = self.store.collection(self.path)

    @property
    def etag(self) -> str:
        record = self._record
        if record is None:
            return '"root"'
        self.store.settle()  # the ctag is a client's promise: on disk before it leaves
        return f'"{record.sync_epoch}-{record.sync_seq}"'

    @property
    def last_modified(self) -> str:
        return _http_date(self._record.modified_at if self._record else 0)

    def sync(self, old_token: str = "") -> tuple[str, Iterable[str]]:
        return self.store.sync(self.path, old_token)

    # -- reads -------------------------------------------------------------------
    def _item(self, record: ItemRecord) -> StoredItem:
        return StoredItem(self, record)

    def get_multi(self, hrefs: Iterable[str]) -> Iterator[tuple[str, Optional[radicale_item.Item]]]:
        wanted = list(hrefs)
        if self._record is None:
            for href in wanted:
                yield href, None
            return
        found = self.store.items_by_href(self.record.id, wanted)
        for href in wanted:
            record = found.get(href)
            yield href, self._item(record) if record else None

    def get_all(self) -> Iterator[radicale_item.Item]:
        if self._record is None:
            return
        for record in self.store.all_items(self.record.id):
            yield self._item(record)

    def list_items(self) -> Iterator[StoredItem]:
        """Metadata-only items for a Depth 1 listing (text loaded on demand)."""
        if self._record is None or not self.tag:
            return
        for record in self.store.all_items(self.record.id, with_text=False):
            yield self._item(record)

    def get_filtered(self, filters):
        if not self.tag or self._record is None:
            return
        filters = list(filters)
        tag, start, end, simple = radicale_filter.simplify_prefilters(filters, self.tag)
        if self.tag == "VADDRESSBOOK":
            # The index names candidates; Radicale applies the exact filter to those
            # the index does not answer exactly (cms_dav.contacts.dav_prefilter).
            from cms_dav.contacts.dav_prefilter import candidates as card_candidates
            with self.store.reading() as conn:
                cards = card_candidates(conn, self.record.id, filters)
            if cards is not None:
                found = self.store.items_by_href(self.record.id, cards.hrefs)
                yield from _budgeted((self._item(found[h]), h in cards.matched)
                                     for h in cards.hrefs if h in found)
                return
        if self.tag != "VCALENDAR":
            yield from ((item, False) for item in self.get_all())
            return
        query = indexed_range(filters) if index_kept(self.store) else None
        if query is not None:
            # The occurrence index names the candidates (and flags the sure matches);
            # Radicale's own filter decides the rest
            with self.store.reading() as conn:  # one snapshot: flags and texts agree
                chosen = candidates(conn, self.record.id, query, simple)
                found = item_rows.get_many(conn, self.record.id, (h for h, _ in chosen))
            yield from _budgeted((self._item(found[h]), matched)
                                 for h, matched in chosen if h in found)
            return
        for record in self.store.items_in_range(self.record.id, tag, start, end):
            istart, iend = record.time_start, record.time_end
            yield self._item(record), simple and (start <= istart or iend <= end)

    def has_uid(self, uid: str) -> bool:
        # through the memo: the lookup of the upload's path under the lock asked it too
        context = request_context.current()
        return self._record is not None and self.store.has_uid(
            self.record.id, uid, context.memo if context is not None else None)

    # -- writes ------------------------------------------------------------------
    def upload(self, href: str, item: radicale_item.Item
               ) -> tuple[radicale_item.Item, Optional[radicale_item.Item]]:
        if not pathutils.is_safe_filesystem_path_component(href):
            raise pathutils.UnsafePathError(href)
        expected = _EXPECTED_NAME.get(self.tag)
        if expected is None:
            raise ValueError(f"/{self.path}/ is not an address book or calendar")
        context = request_context.current()
        upload_text = context.upload_text if context else None
        watch = context.upload_parse if context else None
        if isinstance(watch, UploadParse) and watch.stored is not None \
                and watch.stored[0] is item:  # made before the lock (acquire_lock)
            _, data, as_sent = watch.stored
        else:
            data, as_sent = _upload_data(item, upload_text, watch)
        if data.name != expected:
            raise ValueError(f"a {data.name} does not belong in a {self.tag} collection")
        with _writing():
            result = self.store.put_item(self.path, href, data, current_actor())
        _committed()
        if context is not None and (result.modified or (upload_text and not as_sent)):
            # not the client's bytes (Radicale or a filter changed them): answered
            # without ETag (cms_dav.wsgi.upload_etag), RFC 6352 §6.3.2.3
            context.upload_modified = True
        new = self._item(result.new)
        old = self._item(result.old) if result.old else None
        return new, old

    def delete(self, href: Optional[str] = None) -> None:
        try:
            with _writing():
                self._delete(href)
        except NotFound:
            raise storage.ComponentNotFoundError(
                paths.join(self.path, href or "")) from None
        _committed()

    def _delete(self, href: str | None) -> None:
        if href is None and self._record is None:
            # DELETE / : like stock Radicale, everything below the root goes (to the
            # trash). Only reachable with W on "/", which cms_dav's policy never grants.
            for child in self.store.children(""):
                self.store.delete_collection(child.path, current_actor())
        elif href is None:
            self.store.delete_collection(self.path, current_actor())
        else:
            self.store.delete_item(self.path, href, current_actor())


radicale_compat.install_path_memo()
radicale_compat.replace_content_line_writes()  # each upload's parse and serialization


@radicale_compat.with_storage_capabilities  # unicode, trailing blanks, any character
class Storage(storage.BaseStorage):
    def __init__(self, configuration,
                 store: Store | None = None, data_dir: Path | None = None) -> None:
        if store is None or data_dir is None:
            not_standalone(__name__)
        super().__init__(configuration)
        #: the App's store (Radicale builds this plugin twice: app and sharing layer)
        self.store = store
        #: ``[storage] hook``, run in the data dir after each committed change
        self.hook = StorageHook.from_configuration(configuration, data_dir)

    def discover(self, path: str, depth: str = "0", child_context_manager=None,
                 user_groups: set = set()):  # noqa: B006 - BaseStorage.discover's own default; never mutated
        sane = paths.strip(pathutils.strip_path(path))
        if not sane:
            root = Collection(self.store, None)
            yield root
            if depth != "0":
                yield from self._children("")
            return
        found = self._resolve(sane)
        if isinstance(found, CollectionRecord):
            collection = Collection(self.store, found)
            yield collection
            if depth != "0":
                yield from collection.list_items()
                yield from self._children(sane)
        elif found is not None:
            parent, item = found
            yield Collection(self.store, parent)._item(item)

    def _children(self, path: str) -> Iterator[Collection]:
        for record in self.store.children(path):
            yield Collection(self.store, record)

    def move(self, item: radicale_item.Item, to_collection: storage.BaseCollection,
             to_href: str) -> None:
        source = item.collection
        assert isinstance(source, Collection) and isinstance(to_collection, Collection)
        assert item.href is not None
        with _writing():
            self.store.move_item(source.path, item.href, to_collection.path, to_href,
                                 current_actor())
        _committed()

    def create_collection(self, href: str, items=None, props=None):
        with _writing():
            created = self._create_collection(href, items, props)
        _committed()
        return created

    def _create_collection(self, href, items=None, props=None):
        sane = paths.strip(pathutils.strip_path(href))
        actor = current_actor()
        if not props and "/" not in sane:
            # A new user's home: created here together with the predefined collections
            # in one transaction. Returning no collection tells Radicale not to seed them
            # again (its seeding would replace a book a parallel request wrote into, and
            # a parallel request could find the home without its books).
            seeds = self.configuration.get("storage", "predefined_collections") or {}
            self.store.create_principal(sane, seeds, actor)
            return None, {}, []
        if not props:
            return Collection(self.store, self.store.ensure_folder(sane, actor)), {}, []
        tag = props.get("tag", "")
        context = request_context.current()
        sent = _sent_objects(context.upload_text if context else None, tag)
        named = _name_items(items or [], tag, sent) if tag else []
        record, replaced, new_hrefs = self.store.replace_collection(
            sane, props, named, actor)
        collection = Collection(self.store, record)
        return collection, {h: collection._item(r) for h, r in replaced.items()}, new_hrefs

    @contextmanager
    def acquire_lock(self, mode: str, user: str = "", *args, **kwargs):
        lock = radicale_compat.lock_request(user, kwargs)
        context = request_context.current()
        if context is not None:
            context.actor = lock.actor
        if mode != "w":
            yield
            return
        looked_up = None
        if lock.request == "PUT" and context is not None:
            looked_up = self._prepare_put(context)
        names = [self._lock_name(p) for p in lock.paths]
        scope = _WriteScope()
        token = _write_scope.set(scope)
        try:
            # the WAL fsync of the write's COMMIT waits outside the book's lock, shared
            # with concurrent writers, and before the answer and the hook (issue 19)
            with self.store.locked(names or ["/"], defer_sync=True):
                _forget_lookups()  # nothing looked up before the lock is trusted
                if looked_up is not None and context is not None:
                    self._confirm(looked_up, context)
                try:
                    yield
                finally:
                    _forget_lookups()
        finally:
            _write_scope.reset(token)
            if scope.committed and self.hook is not None:
                self.hook.run(lock)  # after the lock, outside every transaction

    def _prepare_put(self, context: request_context.RequestContext) -> _LookedUp | None:
        """Before the write lock of a PUT of one object: what the store will keep of
        Radicale's prepared item, and the store's pure work on it (upload filters'
        plans, the index analysis: ``Store.prepare_put``). The write under the lock
        reuses them when nothing changed in between, so the lock covers the checks and
        the statements, not the analysis (issue 19). Answers what the lookup found at
        the upload's path, for :meth:`_confirm` under the lock (None: nothing to
        confirm)."""
        watch = context.upload_parse
        if not isinstance(watch, UploadParse) or watch.prepared is None:
            return None
        path, item = watch.prepared
        sane = paths.strip(pathutils.strip_path(path))
        parent_path, _, href = sane.rpartition("/")
        if not parent_path or not pathutils.is_safe_filesystem_path_component(href):
            return None
        looked_up = None
        try:
            # through the memo: the lock's name asks for the same path next
            found = self._resolve(sane)
            if isinstance(found, CollectionRecord):
                return None  # a whole collection: Radicale prepares it again under the lock
            parent, old = found if found is not None else (self._resolve(parent_path), None)
            if not isinstance(parent, CollectionRecord) or not parent.tag:
                return None
            looked_up = _LookedUp(sane, parent, old)
            data, as_sent = _upload_data(item, context.upload_text, watch)
            watch.stored = (item, data, as_sent)
            self.store.prepare_put(parent, old, href, data, context.actor)
        except Exception:  # noqa: BLE001 - only ahead of time: the write redoes it and answers
            logger.debug("PUT %r not prepared before its lock", path, exc_info=True)
        return looked_up

    def _confirm(self, looked_up: _LookedUp, context: request_context.RequestContext
                 ) -> None:
        """Under a PUT's write lock: when the upload's book is stored exactly as the
        lookup before the lock found it, that lookup's answers for the upload's path
        and its book are this request's answers again (``Store.confirm_lookup`` puts
        them in its memo), so Radicale's checks under the lock (If-Match,
        If-None-Match, 201 or 204) ask the database for the book's row only, plus the
        UID of a new object (``has_uid``). Any difference falls back to the full
        lookup (issue 19: that lookup was a quarter of the CPU under the lock)."""
        try:
            self.store.confirm_lookup(context.memo, looked_up.path, looked_up.parent,
                                      looked_up.item, _upload_uid(context, looked_up.path))
        except Exception:  # noqa: BLE001 - the full lookup under the lock decides
            logger.debug("PUT %r: lookup before the lock not confirmed", looked_up.path,
                         exc_info=True)

    def _resolve(self, sane: str) -> CollectionRecord | tuple[CollectionRecord, ItemRecord] | None:
        """What ``sane`` names (``Store.resolve``). Radicale asks for the same path
        several times per request; the memo is cleared when the write lock is taken
        and after every write. Under the write lock of a PUT of one object, the lookup
        of its path also answers Radicale's next question, whether the collection holds
        the object's UID already (``has_uid``): one read transaction for both."""
        context = request_context.current()
        if context is None:
            return self.store.resolve(sane)
        return self.store.resolve(sane, context.memo, _upload_uid(context, sane))

    def _lock_name(self, path: str) -> str:
        sane = paths.strip(pathutils.strip_path(path))
        if sane and not isinstance(self._resolve(sane), CollectionRecord):
            return paths.parent(sane)
        return sane

    def verify(self) -> bool:
        from cms_dav.store.check import check_store
        problems = check_store(self.store)
        for problem in problems:
            logger.error("storage check: %s", problem)
        return not problems


def _upload_uid(context: request_context.RequestContext, sane: str) -> str | None:
    """The UID of the object a PUT uploads to ``sane``, when this runs under that PUT's
    write lock (before it, the lock would forget the answer); else None."""
    watch = context.upload_parse
    if _write_scope.get() is None or not isinstance(watch, UploadParse) \
            or watch.prepared is None:
        return None
    path, item = watch.prepared
    if paths.strip(pathutils.strip_path(path)) != sane:
        return None
    uid = item.uid
    return uid if isinstance(uid, str) else None


def _upload_data(item: radicale_item.Item, upload_text: str | None, watch: object
                 ) -> tuple[ItemData, bool]:
    """What the store keeps of a PUT's prepared ``item`` (lossless storage, issue 12),
    and whether it is the client's text."""
    # Radicale's own parse of exactly this text, left as parsed: no second parse needed
    unchanged = (isinstance(watch, UploadParse) and upload_text is not None
                 and watch.unchanged_object_of(upload_text, item.vobject_item))
    data, as_sent = item_data_from_upload(item, upload_text, unchanged)
    return upload_parse(data, item.vobject_item, as_sent, unchanged), as_sent


def _sent_objects(upload_text: str | None, tag: str) -> dict[str, str]:
    """The client's text of each object of a whole-collection PUT body, by UID
    (:mod:`cms_dav.io.object_split`); empty when the body is unknown or cannot be cut
    (then Radicale's texts are stored). A UID given twice keeps no client text."""
    if upload_text is None:
        return {}
    try:
        if tag == "VCALENDAR":
            pairs = [(o.uid, o.text) for o in split_calendar_texts(upload_text)]
        else:
            pairs = [(c.prop("UID") or "", c.raw) for c in split_vcard_texts(upload_text)]
    except SplitError:
        return {}
    counts = Counter(uid.strip() for uid, _ in pairs)
    return {uid.strip(): text for uid, text in pairs if uid.strip() and counts[uid.strip()] == 1}


def _name_items(items: Iterable[radicale_item.Item], tag: str, sent: dict[str, str]
                ) -> list[tuple[str, ItemData]]:
    """Hrefs for a whole-collection upload: the UID when it is a safe file name (as
    ``cms-dav import`` names items: a name Radicale's ``minimal`` URL check lets a GET
    reach); each item keeps the client's text when Radicale changed nothing in it."""
    named: list[tuple[str, ItemData]] = []
    taken: set[str] = set()
    for item in items:
        href = new_href(item.uid, tag, taken)
        taken.add(href)
        named.append((href, collection_item_data(item, sent.get(item.uid.strip()))[0]))
    return named
