"""Alembic, driven from code: ``upgrade_to_head`` runs at ``init``/``serve``."""

from __future__ import annotations

import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).with_name("migrations")


def _config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(_config(engine)).get_current_head()


def upgrade_to_head(engine: Engine) -> None:
    """Bring the schema to the code's head revision. Nodes starting at once on one
    PostgreSQL database take turns (an advisory lock): the first migrates, the others
    then find the schema current instead of failing on tables that now exist."""
    if current_revision(engine) == head_revision(engine):
        return
    with _migration_lock(engine):
        if current_revision(engine) == head_revision(engine):
            return  # another node migrated while this one waited
        command.upgrade(_config(engine), "head")


#: PostgreSQL advisory lock key of migrations (crc32 like cms_dav.store.locks' keys)
MIGRATION_LOCK = zlib.crc32(b"cms_dav:migrations")


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
            conn.commit()
