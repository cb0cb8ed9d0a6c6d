"""Whether sanitizing changed a parsed vobject tree, known without parsing again.

A snapshot of every component, content line, value object (and list element), parameter
and group of a parse (:func:`state`), compared after Radicale's sanitizing
(:func:`same_state`): the same objects in the same places mean the tree Radicale
serializes is the tree a fresh parse of the same text gives. Used by the PUT watch
(``cms_dav_plugins.upload_watch``) and by the CLI's imports
(:func:`cms_dav.io.stored_items.prepared_upload`).
"""

from __future__ import annotations

from typing import Any

import vobject.base


#: types a snapshot keeps as they are: compared by value (str, int, bool) or identity
#: (None); anything else in a place compared by value goes in as its ``repr``
_PLAIN = (str, int, bool, type(None))


def _plain(value: Any) -> Any:
    return value if type(value) in _PLAIN else repr(value)


def _walk(component: Any, out: list[Any]) -> None:
    """Append the snapshot of ``component``'s children to ``out`` (one list, no
    generators: the watch takes two snapshots per PUT, issue 19). Per content line:
    the line, its value (identity, or value for a str) with a list's length and
    elements, its parameter dict (identity), each parameter's name, value list
    (identity), length and values, then group, name, isNative and encoded."""
    append = out.append
    for name, entries in component.contents.items():
        append(name)
        append(len(entries))
        for entry in entries:
            append(entry)
            if isinstance(entry, vobject.base.Component):
                _walk(entry, out)
                continue
            value = entry.value
            append(value)
            if isinstance(value, list):
                append(len(value))
                out.extend(value)
            params = entry.params
            append(params)
            append(len(params))
            for key, values in params.items():
                append(_plain(key))
                append(values)
                append(len(values))
                out.extend(map(_plain, values))
            append(_plain(entry.group))
            append(_plain(entry.name))
            append(_plain(entry.isNative))
            append(_plain(entry.encoded))


def state(components: list[Any]) -> list[Any]:
    """Every object of the trees, in order (kept alive, so identity stays meaningful)."""
    out: list[Any] = [len(components)]
    for component in components:
        out.append(component)
        _walk(component, out)
    return out


def same_state(before: list[Any], after: list[Any]) -> bool:
    """The same objects in the same places; strings and numbers compare by value."""
    return len(before) == len(after) and all(
        a is b or (type(a) is type(b) and isinstance(a, (str, int)) and a == b)
        for a, b in zip(before, after, strict=True))
