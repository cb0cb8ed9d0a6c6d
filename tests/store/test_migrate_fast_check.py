"""The schema check every ``cms-dav`` command makes without loading Alembic
(:func:`cms_dav.store.migrate.is_current`, issue 19 target 5) agrees with Alembic."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from cms_dav.store.engine import open_engine
from cms_dav.store.migrate import file_heads, head_revision, is_current, upgrade_to_head


def test_the_head_read_from_the_files_is_alembics_head(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert file_heads() == {head_revision(engine)}


def test_a_new_database_is_not_current_until_migrated(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert not is_current(engine)
    upgrade_to_head(engine)
    assert is_current(engine)


def test_a_database_at_an_older_revision_is_not_current(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    upgrade_to_head(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0014_occurrences'"))
    assert not is_current(engine)
