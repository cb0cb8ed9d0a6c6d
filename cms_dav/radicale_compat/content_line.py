"""vobject's content-line attribute writes without its dispatch on every write.

``vobject.base.ContentLine.__setattr__`` routes each attribute write: a name ending in
``_param`` or ``_paramlist`` goes into ``params``, the name of a property of the class
to the property's setter, any other name to ``object.__setattr__``. Radicale's parse,
check and serialization of one bench card (every PUT) write ~340 attributes this way,
each through two ``endswith`` tests and a class lookup: 15-30 % of that work measured
alone (issue 19, putpath). :func:`set_attribute` writes the attributes vobject itself
sets on every line (:data:`PLAIN`: plain names, none a property of ``ContentLine``)
directly on a ``ContentLine`` itself (a subclass may have made one a property), and
hands every other write to vobject's method: each write lands where vobject's own would.
Installed and shape-checked by :func:`cms_dav.radicale_compat.patches.replace_content_line_writes`.
"""

from __future__ import annotations

from typing import Any, Callable

from vobject.base import ContentLine

#: the attributes vobject writes on each content line (``ContentLine.__init__``, the
#: behaviours' encode/decode and transforms, ``Component.setBehavior``)
PLAIN = frozenset({"name", "encoded", "params", "singletonparams", "isNative",
                   "lineNumber", "value", "group", "behavior", "parentBehavior"})

#: vobject's own method, for every other write and for the differential test
ORIGINAL: Callable[[Any, str, Any], None] = ContentLine.__setattr__


def set_attribute(self: Any, name: str, value: Any) -> None:
    """``ContentLine.__setattr__``: see the module docstring."""
    if name in PLAIN and type(self) is ContentLine:
        object.__setattr__(self, name, value)
    else:
        ORIGINAL(self, name, value)


def plain_names_problem() -> str | None:
    """Why :data:`PLAIN` no longer holds plain names of ``ContentLine``, or None."""
    for name in sorted(PLAIN):
        if name.endswith(("_param", "_paramlist")):
            return f"{name} would be a parameter of vobject's ContentLine"
        if isinstance(getattr(ContentLine, name, None), property):
            return f"vobject.base.ContentLine.{name} is now a property"
    return None
