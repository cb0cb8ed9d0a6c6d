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


@dataclass
class UploadParse:
    """Radicale's parse of a PUT body and the state of its tree before sanitizing."""
    text: str
    components: list[Any]
    before: list[Any]
    #: a sanitizing call left the tree different from ``before``
    changed: bool = False

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


def install() -> None:
    """Watch the PUT body's parse and every sanitizing of it, once per process."""
    radicale_compat.watch_upload_sanitizing(reader=_reader, sanitizer=_sanitizer)
