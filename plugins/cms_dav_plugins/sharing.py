"""Radicale share-database plugin (``[sharing] type = cms_dav_plugins.sharing``).

Every call is a query on the SQL ``shares`` table (no in-memory copy), so all server
processes on one database see a share at once. Rights-file grants and group
collections appear as extra (read-only) map shares so that clients find them in the
user's home.
"""

from __future__ import annotations

from typing import Any

from radicale import sharing

from cms_dav.acl import share_db_for
from cms_dav.runtime import settings_for


class Sharing(sharing.BaseSharing):
    def database_init(self) -> bool:
        self._db = share_db_for(settings_for(self.configuration))
        return True

    def database_get_info(self) -> dict[str, Any]:
        return {"type": "cms_dav-sql"}

    def database_verify(self) -> bool:
        return self._db.verify()

    def database_list_sharing(self, **filters: Any) -> list[dict[str, Any]]:  # type: ignore[override]
        return self._db.list(**filters)

    def database_get_sharing(self, ShareType: str, PathOrToken: str,  # type: ignore[override]
                             OnlyEnabled: bool = True, User: str | None = None
                             ) -> dict[str, Any] | None:
        return self._db.get(ShareType, PathOrToken, OnlyEnabled, User)

    def database_create_sharing(self, **fields: Any) -> dict[str, str]:  # type: ignore[override]
        return self._db.create(**fields)

    def database_update_sharing(self, **fields: Any) -> dict[str, str]:  # type: ignore[override]
        return self._db.update(**fields)

    def database_delete_sharing(self, ShareType: str, PathOrToken: str,  # type: ignore[override]
                                User: str) -> dict[str, str]:
        return self._db.delete(ShareType, PathOrToken, User)
