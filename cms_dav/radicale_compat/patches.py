"""Every process-wide replacement of a function in Radicale, vobject or dateutil.

The replacements' behaviour lives with their feature (``cms_dav.limits.recurrence``,
``cms_dav.limits.vobject_lines``); installing them, and checking that what they
replace still exists with the same shape and is still looked up at call time, is here.
Each installer runs once per process and refuses (CompatibilityError) when its target
has changed, instead of silently patching nothing.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable

from cms_dav.radicale_compat.shapes import Shape, mentions, parameters, require, resolve

PATH_MEMO_USER = "cms_dav's path memo (cms_dav.radicale_compat.patches.install_path_memo)"
RECURRENCE_USER = "cms_dav's recurrence and query limits (cms_dav/limits/recurrence.py)"
UNFOLD_USER = "cms_dav's linear-time line unfolding (cms_dav/limits/vobject_lines.py)"

_installed: set[str] = set()
_lock = threading.Lock()


def _once(name: str, shapes: list[Shape], install: Callable[[], None]) -> None:
    with _lock:
        if name in _installed:
            return
        require(shapes, f"install {name}")
        install()
        _installed.add(name)


def _replace(dotted: str, wrapper: Callable[[Any], Any]) -> None:
    owner_path, _, name = dotted.rpartition(".")
    owner = resolve(owner_path)
    setattr(owner, name, wrapper(getattr(owner, name)))


# -- radicale.pathutils.sanitize_path / radicale.xmlutils.make_clark -------------------
def path_memo_shapes() -> list[Shape]:
    return [parameters("radicale.pathutils.sanitize_path", ["path"], PATH_MEMO_USER),
            parameters("radicale.xmlutils.make_clark", ["human_tag"], PATH_MEMO_USER),
            # Item.__init__ and strip_path call it through the module: the memo reaches them
            mentions("radicale.pathutils.strip_path", "sanitize_path(",
                     "calls sanitize_path", PATH_MEMO_USER)]


def install_path_memo() -> None:
    """Memoize Radicale's pure path helpers process-wide.

    A Depth-1 PROPFIND or a multiget over N items calls ``pathutils.sanitize_path``
    about seven times per item (every ``strip_path``/``unstrip_path`` asserts through it)
    and ``xmlutils.make_clark`` six times. Both are pure functions of a string, so a
    bounded cache returns the same strings without redoing the work; Radicale's
    behaviour is unchanged (exceptions are not cached)."""
    def install() -> None:
        _replace("radicale.pathutils.sanitize_path", functools.lru_cache(maxsize=1 << 17))
        _replace("radicale.xmlutils.make_clark", functools.lru_cache(maxsize=1024))
    _once("the path memo", path_memo_shapes(), install)


# -- dateutil rrule._iter and radicale.app.report ----------------------------------------
#: module-level functions of radicale.app.report that cms_dav wraps
REPORT_FUNCTIONS = ("xml_report", "free_busy_report", "test_filter")


def recurrence_shapes() -> list[Shape]:
    found = [parameters("dateutil.rrule.rrule._iter", ["self"], RECURRENCE_USER),
             mentions("dateutil.rrule.rrulebase.__iter__", "self._iter()",
                      "iterates through _iter", RECURRENCE_USER)]
    for name in REPORT_FUNCTIONS:
        found.append(mentions("radicale.app.report", f"{name}(",
                              f"calls {name} by its module-level name", RECURRENCE_USER))
    return found


def wrap_rrule_iteration(wrapper: Callable[[Callable[[Any], Any]], Callable[[Any], Any]]
                         ) -> None:
    """Replace ``dateutil.rrule.rrule._iter`` (every expansion goes through it) with
    ``wrapper(original)``, once per process."""
    _once("the recurrence counter", recurrence_shapes()[:2],
          lambda: _replace("dateutil.rrule.rrule._iter", wrapper))


def wrap_report_functions(report: Callable[[Callable[..., Any], str], Callable[..., Any]],
                          item_filter: Callable[[Callable[..., bool]], Callable[..., bool]]
                          ) -> None:
    """Wrap ``radicale.app.report.xml_report`` and ``free_busy_report`` with
    ``report(original, what)`` and ``test_filter`` with ``item_filter(original)``."""
    def install() -> None:
        _replace("radicale.app.report.xml_report", lambda f: report(f, "report"))
        _replace("radicale.app.report.free_busy_report",
                 lambda f: report(f, "free-busy report"))
        _replace("radicale.app.report.test_filter", item_filter)
    _once("the report limits", recurrence_shapes()[2:], install)


# -- vobject.base.getLogicalLines ------------------------------------------------------
def unfolding_shapes() -> list[Shape]:
    return [parameters("vobject.base.getLogicalLines", ["fp", "allowQP"], UNFOLD_USER),
            mentions("vobject.base.readComponents", "getLogicalLines(stream, allowQP)",
                     "unfolds through getLogicalLines(stream, allowQP)", UNFOLD_USER)]


def replace_vobject_unfolding(wrapper: Callable[[Callable[..., Any]], Callable[..., Any]]
                              ) -> None:
    """Replace ``vobject.base.getLogicalLines`` with ``wrapper(original)``, once."""
    _once("the line unfolding", unfolding_shapes(),
          lambda: _replace("vobject.base.getLogicalLines", wrapper))


def shapes() -> list[Shape]:
    return path_memo_shapes() + recurrence_shapes() + unfolding_shapes()
