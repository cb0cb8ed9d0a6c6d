"""Whether sanitizing changed a parsed vobject tree, known without parsing again.

A snapshot of every component, content line, value object (and list element), parameter
and group of a parse (:func:`state`), compared after Radicale's sanitizing
(:func:`same_state`): the same objects in the same places mean the tree Radicale
serializes is the tree a fresh parse of the same text gives. Used by the PUT watch
(``cms_dav_plugins.upload_watch``) and by the CLI's imports
(:func:`cms_dav.io.stored_items.prepared_upload`).
"""

from __future__ import annotations

from typing import Any, Iterator

import vobject.base


def _walk(component: Any) -> Iterator[Any]:
    for name, entries in component.contents.items():
        yield name
        yield len(entries)
        for entry in entries:
            yield entry
            if isinstance(entry, vobject.base.Component):
                yield from _walk(entry)
                continue
            yield entry.value
            if isinstance(entry.value, list):
                yield len(entry.value)
                yield from entry.value
            yield repr(sorted((key, list(values)) for key, values in entry.params.items()))
            yield repr((entry.group, entry.name, entry.isNative, entry.encoded))


def state(components: list[Any]) -> list[Any]:
    """Every object of the trees, in order (kept alive, so identity stays meaningful)."""
    return [len(components), *(x for c in components for x in (c, *_walk(c)))]


def same_state(before: list[Any], after: list[Any]) -> bool:
    """The same objects in the same places; strings and numbers compare by value."""
    return len(before) == len(after) and all(
        a is b or (type(a) is type(b) and isinstance(a, (str, int)) and a == b)
        for a, b in zip(before, after, strict=True))
