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

from cms_dav.radicale_compat.shapes import (CompatibilityError, Shape, calls_by_name,
                                            contains, mentions, parameters, property_of,
                                            require, resolve)

PATH_MEMO_USER = "cms_dav's path memo (cms_dav.radicale_compat.patches.install_path_memo)"
RECURRENCE_USER = "cms_dav's recurrence and query limits (cms_dav/limits/recurrence.py)"
UNFOLD_USER = "cms_dav's linear-time line unfolding (cms_dav/limits/vobject_lines.py)"
TEXT_VALUES_USER = "cms_dav's TEXT value unescaping (cms_dav/io/vobject_text.py)"
FOLD_USER = "cms_dav's line folding (cms_dav/io/vobject_fold.py)"
CONTENT_LINE_USER = "cms_dav's content-line attribute writes " \
                    "(cms_dav/radicale_compat/content_line.py)"
VALUES_USER = "cms_dav's acceptance of valid PERIOD and vCard 2.1 values " \
              "(cms_dav/io/vobject_values.py)"

_installed: set[str] = set()
_lock = threading.Lock()


def _once(name: str, shapes: list[Shape], install: Callable[[], None]) -> None:
    with _lock:
        if name in _installed:
            return
        require(shapes, f"install {name}")
        install()
        _installed.add(name)


def _replace(dotted: str, wrapper: Callable[[Any], Any], importers: tuple[str, ...] = ()
             ) -> None:
    """``wrapper(original)`` in place of ``dotted``, and of the same name in each module
    of ``importers`` (those that imported the function by name)."""
    owner_path, _, name = dotted.rpartition(".")
    owner = resolve(owner_path)
    new = wrapper(getattr(owner, name))
    for module in (owner, *map(resolve, importers)):
        setattr(module, name, new)


# -- radicale.pathutils.sanitize_path / radicale.xmlutils.make_clark -------------------
def path_memo_shapes() -> list[Shape]:
    return [parameters("radicale.pathutils.sanitize_path", ["path"], PATH_MEMO_USER),
            parameters("radicale.xmlutils.make_clark", ["human_tag"], PATH_MEMO_USER),
            # strip_path (and with it Item.__init__) calls it through the module's global
            calls_by_name("radicale.pathutils", "sanitize_path", PATH_MEMO_USER)]


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


def rrule_shapes() -> list[Shape]:
    return [parameters("dateutil.rrule.rrule._iter", ["self"], RECURRENCE_USER),
            mentions("dateutil.rrule.rrulebase.__iter__", "self._iter()",
                     "iterates through _iter", RECURRENCE_USER)]


def report_shapes() -> list[Shape]:
    return [calls_by_name("radicale.app.report", name, RECURRENCE_USER)
            for name in REPORT_FUNCTIONS]


def wrap_rrule_iteration(wrapper: Callable[[Callable[[Any], Any]], Callable[[Any], Any]]
                         ) -> None:
    """Replace ``dateutil.rrule.rrule._iter`` (every expansion goes through it) with
    ``wrapper(original)``, once per process."""
    _once("the recurrence counter", rrule_shapes(),
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
    _once("the report limits", report_shapes(), install)


# -- vobject.base.getLogicalLines ------------------------------------------------------
def unfolding_shapes() -> list[Shape]:
    return [parameters("vobject.base.getLogicalLines", ["fp", "allowQP"], UNFOLD_USER),
            calls_by_name("vobject.base", "getLogicalLines", UNFOLD_USER)]


def replace_vobject_unfolding(wrapper: Callable[[Callable[..., Any]], Callable[..., Any]]
                              ) -> None:
    """Replace ``vobject.base.getLogicalLines`` with ``wrapper(original)``, once."""
    _once("the line unfolding", unfolding_shapes(),
          lambda: _replace("vobject.base.getLogicalLines", wrapper))


# -- vobject.icalendar.stringToTextValues ----------------------------------------------
def text_values_shapes() -> list[Shape]:
    return [parameters("vobject.icalendar.stringToTextValues",
                       ["s", "listSeparator", "charList", "strict"], TEXT_VALUES_USER),
            # vobject.vcard imports the function by name: both globals are replaced. A
            # text test, not calls_by_name: that keeps each module's syntax tree for the
            # process (~18,000 objects for these two, walked by every full collection)
            mentions("vobject.icalendar", "= stringToTextValues(line.value",
                     "calls stringToTextValues by its module-level name", TEXT_VALUES_USER),
            mentions("vobject.vcard", "= stringToTextValues(line.value",
                     "calls stringToTextValues by its module-level name", TEXT_VALUES_USER),
            mentions("vobject.vcard", "from .icalendar import stringToTextValues",
                     "imports stringToTextValues by name", TEXT_VALUES_USER)]


def replace_vobject_text_values(wrapper: Callable[[Callable[..., Any]], Callable[..., Any]]
                                ) -> None:
    """Replace ``vobject.icalendar.stringToTextValues`` (and the name ``vobject.vcard``
    imported) with ``wrapper(original)``, once."""
    _once("the TEXT value unescaping", text_values_shapes(),
          lambda: _replace("vobject.icalendar.stringToTextValues", wrapper,
                           importers=("vobject.vcard",)))


# -- vobject.base.foldOneLine ----------------------------------------------------------
def folding_shapes() -> list[Shape]:
    return [parameters("vobject.base.foldOneLine", ["outbuf", "input", "lineLength"],
                       FOLD_USER),
            # vobject.icalendar imports the function by name: both globals are replaced
            calls_by_name("vobject.base", "foldOneLine", FOLD_USER),
            mentions("vobject.icalendar", "foldOneLine(buffer,",
                     "calls foldOneLine by its module-level name", FOLD_USER)]


def replace_vobject_folding(wrapper: Callable[[Callable[..., Any]], Callable[..., Any]]
                            ) -> None:
    """Replace ``vobject.base.foldOneLine`` (and the name ``vobject.icalendar``
    imported) with ``wrapper(original)``, once."""
    _once("the line folding", folding_shapes(),
          lambda: _replace("vobject.base.foldOneLine", wrapper,
                           importers=("vobject.icalendar",)))


# -- vobject's value writers (PERIOD, vCard 2.1 encodings and FN) ----------------------
#: what cms_dav.io.vobject_values replaces, and how each is bound on its class
VALUE_WRITERS: dict[str, tuple[str, Any]] = {
    "period": ("vobject.icalendar.MultiDateBehavior.transformFromNative", staticmethod),
    "recurrence": ("vobject.icalendar.RecurringComponent.getrruleset", None),
    "encode": ("vobject.vcard.VCardTextBehavior.encode", classmethod),
    "decode": ("vobject.vcard.VCardTextBehavior.decode", classmethod),
    "validate": ("vobject.vcard.VCard3_0.validate", classmethod)}


def value_writer_shapes() -> list[Shape]:
    return [parameters("vobject.icalendar.MultiDateBehavior.transformFromNative", ["obj"],
                       VALUES_USER),
            mentions("vobject.icalendar.MultiDateBehavior.transformToNative", "stringToPeriod",
                     "reads PERIOD values into tuples", VALUES_USER),
            parameters("vobject.icalendar.periodToString", ["period", "convertToUTC"],
                       VALUES_USER),
            parameters("vobject.icalendar.RecurringComponent.getrruleset",
                       ["self", "addRDate"], VALUES_USER),
            # the property holds the function itself, so it is rebuilt around the new one
            property_of("vobject.icalendar.RecurringComponent.rruleset", "getrruleset",
                        "setrruleset", VALUES_USER),
            parameters("vobject.vcard.VCardTextBehavior.encode", ["line"], VALUES_USER),
            parameters("vobject.vcard.VCardTextBehavior.decode", ["line"], VALUES_USER),
            parameters("vobject.vcard.VCard3_0.validate",
                       ["obj", "raiseException", "complainUnrecognized"], VALUES_USER),
            contains("vobject.vcard.VCard3_0.knownChildren", ["FN"], VALUES_USER),
            # Radicale refuses PERIOD unless this probe serializes one without error
            mentions("radicale.utils.vobject_supports_period", "obj.serialize()",
                     "decides PERIOD support by serializing one", VALUES_USER),
            mentions("radicale.item.check_and_sanitize_items",
                     "utils.vobject_supports_period()",
                     "asks vobject_supports_period() before accepting a PERIOD", VALUES_USER)]


def replace_vobject_value_writers(**wrappers: Callable[[Any], Any]) -> None:
    """Replace each of :data:`VALUE_WRITERS` with ``wrappers[key](original)``, once;
    then Radicale's PERIOD probe must pass (it is computed once per process)."""
    def install() -> None:
        for key, (dotted, binding) in VALUE_WRITERS.items():
            def replacement(original: Any, key: str = key, binding: Any = binding) -> Any:
                new = wrappers[key](original)
                return binding(new) if binding else new
            _replace(dotted, replacement)
        recurring = resolve("vobject.icalendar.RecurringComponent")
        recurring.rruleset = property(recurring.getrruleset, recurring.setrruleset)
        from radicale import utils
        if not utils.vobject_supports_period():
            raise CompatibilityError(
                "radicale.utils.vobject_supports_period() still answers False after "
                f"vobject's PERIOD writer was completed; {VALUES_USER} relies on it "
                "(cms_dav/radicale_compat)")
    _once("the vobject value writers", value_writer_shapes(), install)


# -- radicale.item.filter.visit_time_ranges (VFREEBUSY) ---------------------------------
FREEBUSY_USER = "cms_dav's VFREEBUSY time ranges (cms_dav/io/freebusy_ranges.py)"


def time_range_visitor_shapes() -> list[Shape]:
    return [parameters("radicale.item.filter.visit_time_ranges",
                       ["vobject_item", "child_name", "range_fn", "infinity_fn",
                        "component_fn"], FREEBUSY_USER),
            # every caller looks it up at call time: by global name inside the module,
            # through the module elsewhere
            calls_by_name("radicale.item.filter", "visit_time_ranges", FREEBUSY_USER),
            mentions("radicale.item.find_time_range", "radicale_filter.visit_time_ranges(",
                     "looks visit_time_ranges up through its module", FREEBUSY_USER),
            mentions("radicale.app.report", "radicale_filter.visit_time_ranges(",
                     "looks visit_time_ranges up through its module", FREEBUSY_USER)]


def wrap_time_range_visitor(wrapper: Callable[[Callable[..., None]], Callable[..., None]]
                            ) -> None:
    """Replace ``radicale.item.filter.visit_time_ranges`` with ``wrapper(original)``."""
    _once("the VFREEBUSY time ranges", time_range_visitor_shapes(),
          lambda: _replace("radicale.item.filter.visit_time_ranges", wrapper))


# -- radicale.item.filter.comp_match (prop-filters under VCALENDAR) ----------------------
ANY_COMPONENT_USER = "cms_dav's comp-type-optional prop-filters " \
                     "(cms_dav/calendars/any_component_filter.py)"


def comp_match_shapes() -> list[Shape]:
    return [parameters("radicale.item.filter.comp_match", ["item", "filter_", "level"],
                       ANY_COMPONENT_USER),
            parameters("radicale.item.filter.prop_match", ["vobject_item", "filter_", "ns"],
                       ANY_COMPONENT_USER),
            # the report looks it up through the module at call time
            mentions("radicale.app.report", "radicale_filter.comp_match(",
                     "filters calendar items through radicale.item.filter.comp_match",
                     ANY_COMPONENT_USER)]


def wrap_comp_match(wrapper: Callable[[Callable[..., bool]], Callable[..., bool]]) -> None:
    """Replace ``radicale.item.filter.comp_match`` with ``wrapper(original)``, once."""
    _once("the comp-type-optional prop-filters", comp_match_shapes(),
          lambda: _replace("radicale.item.filter.comp_match", wrapper))


# -- radicale.item.read_components / check_and_sanitize_items (upload watch) ------------
WATCH_USER = "cms_dav's check that Radicale changed nothing " \
             "(plugins/cms_dav_plugins/upload_watch.py)"


def upload_watch_shapes() -> list[Shape]:
    return [parameters("radicale.item.read_components", ["s"], WATCH_USER),
            parameters("radicale.item.check_and_sanitize_items",
                       ["vobject_items", "max_vevent_rrule_occurrence", "is_collection",
                        "tag"], WATCH_USER),
            # the PUT handler looks both up through the module at call time
            mentions("radicale.app.put", "radicale_item.read_components(",
                     "reads the body through radicale.item.read_components", WATCH_USER),
            mentions("radicale.app.put", "radicale_item.check_and_sanitize_items(",
                     "sanitizes through radicale.item.check_and_sanitize_items",
                     WATCH_USER),
            # the prepared items, before the PUT handler takes the write lock
            parameters("radicale.app.put.prepare", PUT_PREPARE_PARAMETERS, WATCH_USER),
            calls_by_name("radicale.app.put", "prepare", WATCH_USER),
            mentions("radicale.app.put.ApplicationPartPut.do_PUT",
                     "prepared_item, = prepared_items",
                     "takes the one prepared item of a single-object PUT", WATCH_USER)]


#: ``radicale.app.put.prepare``'s parameters; it answers (items, tag,
#: write_whole_collection, props, exc_info), items an iterator
PUT_PREPARE_PARAMETERS = ["vobject_items", "path", "content_type", "permission",
                          "parent_permission", "max_resource_size",
                          "max_vevent_rrule_occurrence", "tag", "write_whole_collection"]


def watch_upload_sanitizing(reader: Callable[[Any], Any], sanitizer: Callable[[Any], Any],
                            preparer: Callable[[Any], Any]) -> None:
    """Replace ``radicale.item.read_components`` with ``reader(original)``,
    ``check_and_sanitize_items`` with ``sanitizer(original)`` and the PUT handler's
    ``prepare`` with ``preparer(original)``, once."""
    def install() -> None:
        _replace("radicale.item.read_components", reader)
        _replace("radicale.item.check_and_sanitize_items", sanitizer)
        _replace("radicale.app.put.prepare", preparer)
    _once("the upload watch", upload_watch_shapes(), install)


# -- vobject.base.ContentLine.__setattr__ -------------------------------------------------
def content_line_shapes() -> list[Shape]:
    from cms_dav.radicale_compat.content_line import plain_names_problem

    # vobject's method, also once replaced (content_line keeps it)
    method = "cms_dav.radicale_compat.content_line.ORIGINAL"
    return [parameters(method, ["self", "name", "value"], CONTENT_LINE_USER),
            mentions(method, "isinstance(prop, property)",
                     "sends a write of a property to its setter", CONTENT_LINE_USER),
            mentions(method, "object.__setattr__(self, name, value)",
                     "writes any other name directly", CONTENT_LINE_USER),
            Shape(plain_names_problem, CONTENT_LINE_USER)]


def replace_content_line_writes() -> None:
    """Put :func:`cms_dav.radicale_compat.content_line.set_attribute` in place of
    ``vobject.base.ContentLine.__setattr__``, once."""
    def install() -> None:
        from vobject.base import ContentLine

        from cms_dav.radicale_compat.content_line import set_attribute
        ContentLine.__setattr__ = set_attribute  # type: ignore[method-assign]  # the patch itself
    _once("the content-line writes", content_line_shapes(), install)


def shapes() -> list[Shape]:
    return (path_memo_shapes() + rrule_shapes() + report_shapes() + unfolding_shapes()
            + text_values_shapes() + folding_shapes() + value_writer_shapes()
            + time_range_visitor_shapes() + upload_watch_shapes() + comp_match_shapes()
            + content_line_shapes())
