"""Whether Radicale's sanitizing changed the object of a PUT, known without parsing again.

Lossless storage (issue 12) stores the client's text only when it is the object Radicale
accepted. Radicale parses the body once (``radicale.item.read_components``) and then
sanitizes the parsed components in place (``check_and_sanitize_items``: adds a UID,
drops a zero DURATION, retypes EXDATE/RDATE); :func:`cms_dav.io.stored_items.
item_data_from_upload` used to prove "Radicale changed nothing" by parsing the text a
second time and comparing serializations, which cost about as much again as Radicale's
whole PUT. This watch records, for the PUT body's parse, every component, content line,
value object (and list element), parameter and group before sanitizing, and compares
them after each sanitizing call: same objects in the same places means the tree
Radicale serializes is the tree of a fresh parse of the same text, so the old proof
would have succeeded. Any difference (or anything not watched) falls back to the old
proof, so the decision is the same, only cheaper.

It also keeps the one item Radicale prepared for a single-object PUT, before the handler
takes the write lock: the storage plugin does the upload's pure work (what the store
will keep, the upload filters' plans, the index analysis) with it before the lock, so
that the lock covers the checks and the write only (issue 19).

Request-bound, so it lives with the plugins: the record is on the request's
:class:`~cms_dav.request_context.RequestContext`, read by the storage plugin. Installed
and shape-checked through :mod:`cms_dav.radicale_compat.patches`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable

from cms_dav import radicale_compat, request_context
from cms_dav.io.parse_state import same_state, state
from cms_dav.store.records import ItemData


@dataclass
class UploadParse:
    """Radicale's parse of a PUT body and the state of its tree before sanitizing."""
    text: str
    components: list[Any]
    before: list[Any]
    #: a sanitizing call left the tree different from ``before``
    changed: bool = False
    #: the request path and the one item ``radicale.app.put.prepare`` made of the body
    #: for a single-object PUT (the latest call's: Radicale prepares again under the
    #: lock when the target turned out different); None for a whole collection
    prepared: tuple[str, Any] | None = None
    #: that item, what the store keeps of it and whether that is the client's text,
    #: made before the lock by the storage plugin (which reuses it under the lock)
    stored: tuple[Any, ItemData, bool] | None = None
    #: an item prepared before Radicale decided the kind of write: the arguments it
    #: will pass under its lock for that item, and the answer (``_preparer``)
    ahead: tuple[tuple[str, tuple[Any, ...]], tuple[Any, ...]] | None = None

    def unchanged_object_of(self, text: str, vobject_item: Any) -> bool:
        """``vobject_item`` is this parse of ``text``, which sanitizing left as parsed."""
        return (not self.changed and len(self.components) == 1
                and self.components[0] is vobject_item and self.text == text)


def _reader(original: Callable[[str], list[Any]]) -> Callable[[str], list[Any]]:
    @functools.wraps(original)
    def read_components(s: str) -> list[Any]:
        components = original(s)
        context = request_context.current()
        if (context is not None and context.upload_text is not None
                and context.upload_parse is None):
            context.upload_parse = UploadParse(s, components, state(components))
        return components
    return read_components


def _sanitizer(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def check_and_sanitize_items(vobject_items: list[Any], *args: Any, **kwargs: Any
                                 ) -> None:
        try:
            original(vobject_items, *args, **kwargs)
        finally:
            context = request_context.current()
            watch = context.upload_parse if context is not None else None
            if isinstance(watch, UploadParse) and watch.components is vobject_items \
                    and not same_state(watch.before, state(vobject_items)):
                watch.changed = True
    return check_and_sanitize_items


def _preparer(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def prepare(vobject_items: list[Any], path: str, *args: Any, **kwargs: Any) -> Any:
        context = request_context.current()
        watch = context.upload_parse if context is not None else None
        if not (isinstance(watch, UploadParse) and watch.components is vobject_items):
            return original(vobject_items, path, *args, **kwargs)
        ahead, watch.ahead = watch.ahead, None
        if ahead is not None and not kwargs and ahead[0] == (path, args):
            # Radicale, under its lock, asks for exactly the item prepared ahead
            listed, tag, whole, props, exc_info = ahead[1]
            return iter(listed), tag, whole, props, exc_info
        answer = original(vobject_items, path, *args, **kwargs)
        items, tag, whole, props, exc_info = answer
        if whole is None and len(args) == 5 and not kwargs and not path.endswith("/"):
            # Radicale left the kind of write to its lock (the user may write both
            # the path and its parent) and answered "undecided", which it keeps: its
            # permission checks under the lock see what they always saw. Prepare now
            # the case of an item in an address book or calendar, handed over when
            # Radicale asks for exactly that under the lock (sanitizing an item assigns
            # no UID, so had it to prepare a whole collection instead, it would change
            # the tree the same way).
            _ahead(watch, original, vobject_items, path, args)
            return answer
        watch.prepared = None
        if whole is False and exc_info is None:
            listed = list(items)  # one item: Radicale takes exactly one
            if len(listed) == 1:
                watch.prepared = (path, listed[0])
            items = iter(listed)
        return items, tag, whole, props, exc_info
    return prepare


def _ahead(watch: UploadParse, original: Callable[..., Any], vobject_items: list[Any],
           path: str, args: tuple[Any, ...]) -> None:
    items, tag, whole, props, exc_info = original(vobject_items, path, *args, None, False)
    listed = list(items)
    if whole is False and tag and exc_info is None and len(listed) == 1:
        watch.ahead = ((path, (*args, tag, False)), (listed, tag, whole, props, exc_info))
        watch.prepared = (path, listed[0])


def install() -> None:
    """Watch the PUT body's parse, every sanitizing of it and its preparing, once per
    process."""
    radicale_compat.watch_upload_sanitizing(reader=_reader, sanitizer=_sanitizer,
                                            preparer=_preparer)
