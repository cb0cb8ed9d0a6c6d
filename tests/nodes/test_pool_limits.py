"""``[storage] pool_size``/``pool_overflow``/``pool_timeout`` bound the PostgreSQL
connections of one process (issue 17, item 1): every node and worker budgets its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import QueuePool

from cms_dav.app import build_app
from cms_dav.config import load_settings


def test_a_process_opens_no_more_than_pool_size_plus_overflow_connections(
        tmp_path: Path, pg_schema_url: str) -> None:
    config = tmp_path / "cms-dav.conf"
    config.write_text(f"[storage]\ndatabase_url = {pg_schema_url}\npool_size = 2\n"
                      "pool_overflow = 1\npool_timeout = 1\n", encoding="utf-8")
    with build_app(load_settings(tmp_path, config)) as app:
        assert isinstance(app.engine.pool, QueuePool)
        assert app.engine.pool.size() == 2
        held = [app.engine.connect() for _ in range(3)]
        try:
            with pytest.raises(PoolTimeout):
                app.engine.connect()
        finally:
            for conn in held:
                conn.close()
        with app.engine.connect():  # a returned connection is usable again
            pass
