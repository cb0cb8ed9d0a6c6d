"""Radicale share-database plugin (``[sharing] type = cms_dav_plugins.sharing``).

Every call is a query on the SQL ``shares`` table (no in-memory copy), so all server
processes on one database see a share at once. Rights-file grants and group
collections appear as extra (read-only) map shares so that clients find them in the
user's home. Every sharing-API request passes :mod:`cms_dav_plugins.sharing_gate`
(body checks and the sharing policy) before Radicale's handler.
"""

from __future__ import annotations

from typing import Any

from radicale import sharing, types

from cms_dav.acl import share_db_for
from cms_dav.runtime import settings_for
from cms_dav_plugins import sharing_gate


class Sharing(sharing.BaseSharing):
    def database_init(self) -> bool:
        self._db = share_db_for(settings_for(self.configuration))
        return True

    def post(self, environ: types.WSGIEnviron, base_prefix: str, path: str, user: str,
             user_groups: set, request_info: dict) -> types.WSGIResponse:
        def forward() -> types.WSGIResponse:
            return super(Sharing, self).post(environ, base_prefix, path, user, user_groups,
                                             request_info)
        return sharing_gate.handle(self._db, environ, path, user,  # type: ignore[arg-type]  # the WSGI dict, typed Mapping by Radicale; the gate refills wsgi.input
                                   forward)

    def database_get_info(self) -> dict[str, Any]:
        return {"type": "cms_dav-sql"}

    def database_verify(self) -> bool:
        return self._db.verify()

    def database_list_sharing(self, **filters: Any) -> list[dict[str, Any]]:  # type: ignore[override]  # **filters for all keywords
        if set(filters) == {"PathMapped"}:
            # Radicale's DELETE asks "is this collection shared?" to refuse with 409.
            # cms_dav deletes a collection's shares with it, in the same transaction
            # (cms_dav.store.share_cleanup), so the owner may always delete it.
            return []
        return self._db.list(**filters)

    def database_get_sharing(self, ShareType: str, PathOrToken: str,
                             OnlyEnabled: bool = True, User: str | None = None
                             ) -> dict[str, Any] | None:
        return self._db.get(ShareType, PathOrToken, OnlyEnabled, User)

    def database_create_sharing(self, **fields: Any) -> dict[str, str]:  # type: ignore[override]  # **fields for all keywords
        return self._db.create(**fields)

    def database_update_sharing(self, **fields: Any) -> dict[str, str]:  # type: ignore[override]  # **fields for all keywords
        return self._db.update(**fields)

    def database_delete_sharing(self, ShareType: str, PathOrToken: str,
                                User: str) -> dict[str, str]:
        return self._db.delete(ShareType, PathOrToken, User)
