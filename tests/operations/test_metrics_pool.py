"""Issue 17 item 4: the database pool's use is a metric (connections open, in use)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from cms_dav.app import build_app
from cms_dav.config import load_settings


def gauges(app_metrics: object) -> tuple[float, float]:
    from cms_dav.metrics import Metrics
    assert isinstance(app_metrics, Metrics)
    registry = app_metrics.registry
    return (registry.get_sample_value("cms_dav_db_connections_open") or 0.0,
            registry.get_sample_value("cms_dav_db_connections_in_use") or 0.0)


def test_pool_gauges_follow_connections_checked_out_and_returned(tmp_path: Path) -> None:
    with build_app(load_settings(tmp_path)) as app:
        assert gauges(app.metrics)[1] == 0
        with app.engine.connect() as first, app.engine.connect() as second:
            first.execute(text("SELECT 1"))
            second.execute(text("SELECT 1"))
            assert gauges(app.metrics)[1] == 2
            assert gauges(app.metrics)[0] >= 2
        assert gauges(app.metrics)[1] == 0
        assert gauges(app.metrics)[0] == app.engine.pool.checkedin()  # type: ignore[attr-defined]
