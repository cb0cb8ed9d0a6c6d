"""The one place where cms_dav touches Radicale's internals (issue 11, point 2).

Every use of a private name of Radicale (underscore attributes and methods,
undocumented keyword arguments and options, internal record layouts and log texts)
and every process-wide patch of Radicale, vobject or dateutil goes through this
package. :func:`check` verifies at start-up that each shape relied on is still there
and refuses to start with one message naming every mismatch, instead of a layer or a
lock silently doing nothing after an upgrade.

What is relied on, by area (each module lists its shapes):

- :mod:`.items`: ``Item``'s private attributes (``StoredItem`` skips ``Item.__init__``).
- :mod:`.storage`: ``BaseStorage._supports_*`` flags; ``acquire_lock``'s keyword
  arguments ``path``, ``to_path``, ``request``, ``actor``; the ``[storage] hook`` option.
- :mod:`.auth`: ``BaseAuth._sleep_for_constant_exec_time`` (switched off); the
  signatures of the documented overrides ``_login_ext`` and ``BaseGroup._groups``.
- :mod:`.sharing`: the share-record layout ``DB_FIELDS_V1``, the row matcher in
  ``radicale.sharing.common``, the ``database_*`` method signatures, the question
  Radicale's DELETE asks the share database.
- :mod:`.patches`: ``pathutils.sanitize_path`` and ``xmlutils.make_clark`` (memoized),
  dateutil ``rrule._iter`` and ``radicale.app.report``'s ``xml_report``,
  ``free_busy_report``, ``test_filter`` (limits), vobject ``getLogicalLines``
  (linear-time unfolding), ``stringToTextValues`` (``cms_dav.io.vobject_text``) and
  ``foldOneLine`` (``cms_dav.io.vobject_fold``), ``ContentLine.__setattr__``
  (:mod:`.content_line`),
  vobject's PERIOD writer and vCard 2.1 ENCODING/FN handling
  (``cms_dav.io.vobject_values``) and Radicale's PERIOD probe, ``radicale.item.filter``
  ``visit_time_ranges`` (VFREEBUSY time ranges, ``cms_dav.io.freebusy_ranges``),
  ``radicale.item.read_components`` and ``check_and_sanitize_items`` (watched by
  ``cms_dav_plugins.upload_watch``), ``radicale.item.filter.comp_match`` (prop-filters
  under VCALENDAR, ``cms_dav.calendars.any_component_filter``).
- :mod:`.server_options`: ``[server] _internal_server``.
- :mod:`.logs`: the texts of Radicale's log records that the rejection layer reads.
"""

from __future__ import annotations

from importlib import metadata

from cms_dav.radicale_compat import auth, items, logs, patches, server_options, sharing, storage
from cms_dav.radicale_compat.auth import DOCUMENTED_OVERRIDES, without_failed_login_padding
from cms_dav.radicale_compat.logs import startup_at_debug
from cms_dav.radicale_compat.items import (fill_item_text, init_item_fast, item_is_parsed,
                                           item_text_if_loaded)
from cms_dav.radicale_compat.patches import (install_path_memo, replace_content_line_writes,
                                             replace_vobject_folding,
                                             replace_vobject_text_values,
                                             replace_vobject_unfolding,
                                             replace_vobject_value_writers,
                                             wrap_comp_match, wrap_report_functions,
                                             wrap_rrule_iteration,
                                             watch_upload_sanitizing,
                                             wrap_time_range_visitor)
from cms_dav.radicale_compat.server_options import mark_internal_server
from cms_dav.radicale_compat.shapes import HOME, CompatibilityError, Shape
from cms_dav.radicale_compat.sharing import (SHARE_FIELDS, asks_if_collection_is_shared,
                                             drop_resolved_duplicate_shares, share_row_match)
from cms_dav.radicale_compat.storage import (STORAGE_CAPABILITY_FLAGS, LockRequest,
                                             lock_request, with_storage_capabilities)

__all__ = [
    "CompatibilityError", "DOCUMENTED_OVERRIDES", "INTERNAL_MODULES", "LockRequest", "SHARE_FIELDS",
    "STORAGE_CAPABILITY_FLAGS", "Shape", "TESTED_VERSIONS", "asks_if_collection_is_shared",
    "check",
    "drop_resolved_duplicate_shares",
    "fill_item_text", "init_item_fast", "install_path_memo", "item_is_parsed",
    "item_text_if_loaded", "lock_request", "mark_internal_server", "mismatches",
    "replace_content_line_writes",
    "replace_vobject_folding", "replace_vobject_text_values", "replace_vobject_unfolding",
    "replace_vobject_value_writers", "share_row_match",
    "startup_at_debug",
    "with_storage_capabilities",
    "without_failed_login_padding", "wrap_comp_match", "wrap_report_functions",
    "wrap_rrule_iteration",
    "watch_upload_sanitizing", "wrap_time_range_visitor",
]

#: Radicale modules that are implementation, not plugin API: only this package imports them
INTERNAL_MODULES = ("radicale.app.report", "radicale.sharing.common",
                    "radicale.storage.multifilesystem")

#: distribution -> (lowest tested version, first version not tested); as pyproject pins
TESTED_VERSIONS = {"radicale": ((3, 9), (3, 10)), "vobject": ((0, 9, 9), (1, 1))}


def _version_tuple(text: str) -> tuple[int, ...]:
    numbers = []
    for part in text.split("."):
        digits = "".join(c for c in part if c.isdigit())
        if not digits:
            break
        numbers.append(int(digits))
        if digits != part:
            break
    return tuple(numbers)


def _version_shape(distribution: str) -> Shape:
    low, high = TESTED_VERSIONS[distribution]

    def problem() -> str | None:
        installed = metadata.version(distribution)
        if low <= _version_tuple(installed) < high:
            return None
        shown = ".".join(map(str, low)), ".".join(map(str, high))
        return (f"{distribution} {installed} is installed, outside the tested range "
                f">={shown[0]},<{shown[1]}")
    return Shape(problem, "every private use listed in cms_dav/radicale_compat")


def all_shapes() -> list[Shape]:
    found = [_version_shape(name) for name in TESTED_VERSIONS]
    for area in (items, storage, auth, sharing, patches, server_options, logs):
        found += area.shapes()
    return found


def mismatches() -> list[str]:
    """Each shape that no longer holds, as one sentence (empty: all hold)."""
    from cms_dav.radicale_compat.shapes import mismatches as found
    return found(all_shapes())


def check() -> None:
    """Refuse to start (CompatibilityError, one message naming every mismatch) when
    Radicale, vobject or dateutil no longer has a shape cms_dav relies on."""
    found = mismatches()
    if found:
        raise CompatibilityError(
            "cms_dav cannot run with the installed Radicale: " + "; ".join(found)
            + f". Install the versions pyproject.toml pins, or update {HOME}.")
