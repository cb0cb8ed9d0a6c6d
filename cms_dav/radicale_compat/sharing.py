"""cms_dav's share database speaks Radicale's share-record layout.

Radicale's sharing layer hands the share-database plugin (``BaseSharing.database_*``)
and receives from it plain dicts whose keys are ``radicale.sharing.DB_FIELDS_V1``;
group (``:sales``) and ``{user}`` rows are matched by ``radicale.sharing.common``'s
helpers, so cms_dav matches exactly as Radicale's csv backend does.
"""

from __future__ import annotations

from typing import Any

from radicale.sharing import common

from cms_dav.radicale_compat.shapes import Shape, equals, mentions, parameters

USER = ("cms_dav's share database (cms_dav/acl/share_database.py, "
        "plugins/cms_dav_plugins/sharing.py)")

#: Radicale's share record (radicale.sharing.DB_FIELDS_V1)
SHARE_FIELDS = ("ShareType", "PathOrToken", "PathMapped", "Conversion", "Owner", "User",
                "Permissions", "EnabledByOwner", "EnabledByUser", "HiddenByOwner",
                "HiddenByUser", "TimestampCreated", "TimestampUpdated", "Properties",
                "Actions")
#: the filters Radicale's row matcher and database_list_sharing take
ROW_FILTERS = ["OwnerOrUser", "ShareType", "PathOrToken", "PathMapped", "User",
               "EnabledByOwner", "EnabledByUser", "HiddenByOwner", "HiddenByUser",
               "Conversion"]
#: the share-database methods cms_dav's plugin overrides, with their parameters
DATABASE_METHODS = {
    "database_init": ["self"],
    "database_get_info": ["self"],
    "database_verify": ["self"],
    "database_list_sharing": ["self", *ROW_FILTERS],
    "database_get_sharing": ["self", "ShareType", "PathOrToken", "OnlyEnabled", "User"],
    "database_create_sharing": ["self", "ShareType", "PathOrToken", "PathMapped",
                                "Conversion", "Owner", "User", "Permissions",
                                "EnabledByOwner", "EnabledByUser", "HiddenByOwner",
                                "HiddenByUser", "Timestamp", "Properties", "Actions"],
    "database_update_sharing": ["self", "ShareType", "PathOrToken", "OwnerOrUser", "User",
                                "PathMapped", "Permissions", "EnabledByOwner",
                                "EnabledByUser", "HiddenByOwner", "HiddenByUser",
                                "Timestamp", "Properties", "Conversion", "Actions"],
    "database_delete_sharing": ["self", "ShareType", "PathOrToken", "User"],
    "post": ["self", "environ", "base_prefix", "path", "user", "user_groups",
             "request_info"],
}


def asks_if_collection_is_shared(filters: dict[str, Any]) -> bool:
    """Whether a ``database_list_sharing`` call is Radicale's DELETE asking "is this
    collection shared?" (it refuses to delete a shared collection with 409)."""
    return set(filters) == {"PathMapped"}


def share_row_match(row: dict[str, Any], **filters: Any) -> dict[str, Any] | None:
    """Radicale's row matcher: the row (a group or ``{user}`` row resolved for the
    user) when it matches ``filters``, else None."""
    found: dict[str, Any] | None = common.database_common_check_row_match(row=row, **filters)
    return found


def drop_resolved_duplicate_shares(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Radicale's rule: a user's own row replaces the resolved group row at one path."""
    kept: list[dict[str, Any]] = common.database_common_filter_resolved_duplicate_shares(rows)
    return kept


def shapes() -> list[Shape]:
    found = [equals("radicale.sharing.DB_FIELDS_V1", SHARE_FIELDS, USER),
             parameters("radicale.sharing.common.database_common_check_row_match",
                        ["row", *ROW_FILTERS], USER),
             parameters("radicale.sharing.common."
                        "database_common_filter_resolved_duplicate_shares",
                        ["rows_unfiltered"], USER)]
    found += [parameters(f"radicale.sharing.BaseSharing.{name}", expected, USER)
              for name, expected in DATABASE_METHODS.items()]
    found.append(mentions("radicale.app.delete", "database_list_sharing(PathMapped=path)",
                          "asks the share database whether a collection it deletes is "
                          "shared", USER))
    return found
