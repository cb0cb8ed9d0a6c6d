"""Radicale share-database plugin (built by :class:`cms_dav.app.App`).

Every call is a query on the SQL ``shares`` table (no in-memory copy), so all server
processes on one database see a share at once. Rights-file grants and group
collections appear as extra (read-only) map shares so that clients find them in the
user's home. Every sharing-API request passes :mod:`cms_dav_plugins.sharing_gate`
(body checks and the sharing policy) before Radicale's handler.

Within a request, lookups are kept in the request's memo (Radicale asks for the same
shares once per path prefix); a write starts from fresh rows and clears the memo when
done (``Policy.shares_changed``), so the next lookup in the same request sees it.
"""

from __future__ import annotations

from typing import Any

from radicale import sharing, types

from cms_dav import radicale_compat, request_context
from cms_dav.acl.scope import FULL
from cms_dav.acl.share_database import ShareDatabase
from cms_dav_plugins import not_standalone, sharing_gate


class Sharing(sharing.BaseSharing):
    def __init__(self, configuration,
                 share_db: ShareDatabase | None = None) -> None:
        if share_db is None:
            not_standalone(__name__)
        self._db = share_db  # before super().__init__, which calls database_init()
        super().__init__(configuration)

    def database_init(self) -> bool:
        return True

    def _shares(self) -> ShareDatabase:
        """The share database, keeping its lookups in this request's memo."""
        context = request_context.current()
        return self._db if context is None else self._db.remembering(context.memo)

    def _share_writer(self) -> ShareDatabase:
        """The share database for a write: what this request looked up before is
        dropped first, so the write is decided on the rows as they are now."""
        context = request_context.current()
        if context is not None:
            context.memo.clear()
        return self._shares()

    def post(self, environ: types.WSGIEnviron, base_prefix: str, path: str, user: str,
             user_groups: set, request_info: dict) -> types.WSGIResponse:
        def forward() -> types.WSGIResponse:
            return super(Sharing, self).post(environ, base_prefix, path, user, user_groups,
                                             request_info)
        shares = self._share_writer()  # the gate may write
        context = request_context.current()
        return sharing_gate.handle(shares, environ, path, user,  # type: ignore[arg-type]  # the WSGI dict, typed Mapping by Radicale; the gate refills wsgi.input
                                   forward, context.scope if context else FULL)

    def database_get_info(self) -> dict[str, Any]:
        return {"type": "cms_dav-sql"}

    def database_verify(self) -> bool:
        return self._db.verify()

    def database_list_sharing(self, **filters: Any) -> list[dict[str, Any]]:  # type: ignore[override]  # **filters for all keywords
        if radicale_compat.asks_if_collection_is_shared(filters):
            # Radicale's DELETE asks "is this collection shared?" to refuse with 409.
            # cms_dav deletes a collection's shares with it, in the same transaction
            # (cms_dav.store.share_cleanup), so the owner may always delete it.
            return []
        return self._shares().list(**filters)

    def database_get_sharing(self, ShareType: str, PathOrToken: str,
                             OnlyEnabled: bool = True, User: str | None = None
                             ) -> dict[str, Any] | None:
        return self._shares().get(ShareType, PathOrToken, OnlyEnabled, User)

    def database_create_sharing(self, **fields: Any) -> dict[str, str]:  # type: ignore[override]  # **fields for all keywords
        return self._share_writer().create(**fields)

    def database_update_sharing(self, **fields: Any) -> dict[str, str]:  # type: ignore[override]  # **fields for all keywords
        return self._share_writer().update(**fields)

    def database_delete_sharing(self, ShareType: str, PathOrToken: str,
                                User: str) -> dict[str, str]:
        return self._share_writer().delete(ShareType, PathOrToken, User)
