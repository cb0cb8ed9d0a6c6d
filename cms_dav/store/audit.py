"""The audit trail: who changed what, written in the same transaction as the change."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import Connection, select

from cms_dav.store.schema import audit

_INSERT = audit.insert()


def record(conn: Connection, actor: str, action: str, target: str = "",
           detail: dict[str, Any] | None = None) -> None:
    conn.execute(_INSERT, dict(
        at=time.time(), actor=actor or "", action=action, target=target,
        detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True)))


def recent(conn: Connection, limit: int = 100, actor: str | None = None
           ) -> list[dict[str, Any]]:
    query = select(audit).order_by(audit.c.id.desc()).limit(limit)
    if actor is not None:
        query = query.where(audit.c.actor == actor)
    return [dict(row._mapping, detail=json.loads(row.detail))
            for row in conn.execute(query)]
