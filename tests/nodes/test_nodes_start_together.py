"""Nodes started at the same moment on an empty PostgreSQL database all come up: they
take turns migrating it (issue 17, item 2)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.server import cms_dav_command


def test_three_nodes_initialising_one_empty_database_at_once_all_succeed(
        tmp_path: Path, pg_schema_url: str) -> None:
    config = tmp_path / "cms-dav.conf"
    config.write_text(f"[storage]\ndatabase_url = {pg_schema_url}\n", encoding="utf-8")
    runs = [subprocess.Popen(cms_dav_command(tmp_path / f"node{index}", config, "init"),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for index in range(3)]
    outputs = [(run.wait(timeout=120), run.communicate()[0]) for run in runs]
    assert [code for code, _ in outputs] == [0, 0, 0], outputs
    assert all("database ready" in output for _, output in outputs)
