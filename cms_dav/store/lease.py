"""A named lease in ``store_meta``: at most one holder at a time across every process and
node sharing the database (housekeeping runs on one node while the others skip).

The lease row is read and written in one write transaction: SQLite's ``BEGIN
IMMEDIATE`` serializes it, PostgreSQL locks the row (``FOR UPDATE``) and a race on the
first insert ends in a primary-key conflict, which the loser reads as "held". A holder
that dies leaves a lease that expires after ``seconds``.
"""

from __future__ import annotations

import json
import time

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError

from cms_dav.store.engine import write_tx
from cms_dav.store.schema import meta


def acquire(engine: Engine, name: str, holder: str, seconds: float,
            now: float | None = None) -> bool:
    """Take (or renew) lease ``name`` for ``holder``; False while another holder has it."""
    when = time.time() if now is None else now
    key = f"lease:{name}"
    value = json.dumps({"holder": holder, "until": when + seconds})
    try:
        with write_tx(engine) as conn:
            raw = conn.execute(select(meta.c.value).where(meta.c.key == key)
                               .with_for_update()).scalar()
            if raw is None:
                conn.execute(meta.insert().values(key=key, value=value))
                return True
            current = json.loads(raw)
            if current.get("holder") != holder and float(current.get("until", 0)) > when:
                return False
            conn.execute(update(meta).where(meta.c.key == key).values(value=value))
            return True
    except IntegrityError:  # another node inserted the row first
        return False


def release(engine: Engine, name: str, holder: str) -> None:
    """Give lease ``name`` back if ``holder`` still has it."""
    key = f"lease:{name}"
    with write_tx(engine) as conn:
        raw = conn.execute(select(meta.c.value).where(meta.c.key == key)
                           .with_for_update()).scalar()
        if raw is not None and json.loads(raw).get("holder") == holder:
            conn.execute(delete(meta).where(meta.c.key == key))
