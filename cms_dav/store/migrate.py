"""Alembic, driven from code: ``upgrade_to_head`` runs at ``init``/``serve``.

Every ``cms-dav`` command builds the App and so asks whether the schema is current;
:func:`is_current` answers that from the ``alembic_version`` row and the migration
files' ``revision``/``down_revision`` lines, without loading Alembic (and Mako) at all,
which a short command such as ``cms-dav search`` would otherwise spend most of its
start-up on (issue 19 target 5). Whenever it cannot say yes, Alembic decides.
"""

from __future__ import annotations

import ast
import re
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)


def file_heads() -> set[str]:
    """The revisions no migration file names as its ``down_revision``, read from the
    files' text (the literal assignments Alembic's template writes)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_ASSIGNMENT.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        revisions.add(ast.literal_eval(found["revision"]))
        down = ast.literal_eval(found.get("down_revision", "None"))
        parents.update([down] if isinstance(down, str) else down or ())
    return revisions - parents


def is_current(engine: Engine) -> bool:
    """The database is at the one head of the migration files (False when unsure)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    heads = file_heads()
    if len(heads) != 1:
        return False
    try:
        with engine.connect() as conn:
            stored = [row[0] for row in conn.execute(text(
                "SELECT version_num FROM alembic_version"))]
    except DBAPIError:  # no such table yet: a new database
        return False
    return stored == list(heads)


def _config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config(engine)).get_current_head()


def upgrade_to_head(engine: Engine) -> None:
    """Bring the schema to the code's head revision. Nodes starting at once on one
    PostgreSQL database take turns (an advisory lock): the first migrates, the others
    then find the schema current instead of failing on tables that now exist."""
    if is_current(engine):
        return
    from alembic import command

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
    from sqlalchemy import text

    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
            conn.commit()
