"""``--fill load`` stores what the single PUTs of the ``put`` fill store: the same files
in stock Radicale's storage, the same items in cms_dav's (bench.load_fill)."""

from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path

import pytest

from bench import operations as ops
from bench.measure import Budget
from bench.servers import CmsDavServer, RadicaleServer, Server

#: four servers start: handed to an xdist worker before the quick files
pytestmark = pytest.mark.slow

SIZE = 6
#: cms_dav stamps each X-CMS-INTERACTION line with the time of the write (the NOTE's
#: timeline repeats it): masked, with the ETag that follows from it
STAMPS = [re.compile(r"(?<=;)\d{8}T\d{6}Z(?=[;/])"), re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d\s*UTC")]


def _context(workdir: Path) -> ops.Context:
    from bench import data

    ctx = ops.Context(size=SIZE, seed=6, repeats=1, latency_samples=1, cap=60,
                      workdir=workdir)
    ctx.cards = [data.make_card(i, ctx.seed) for i in range(SIZE)]
    return ctx


def _filled(tmp_path: Path, how: str) -> tuple[RadicaleServer, CmsDavServer]:
    workdir = tmp_path / how
    workdir.mkdir()
    ctx = _context(workdir)
    radicale = RadicaleServer(workdir, sys.executable)
    cms_dav = CmsDavServer(workdir, sys.executable)
    servers: list[Server] = [radicale, cms_dav]
    states = []
    try:
        for server in servers:
            server.start()
            states.append(ops.ServerState(server, server.client(timeout=60)))
        if how == "load":
            ops.fill_load(ctx, states)
        else:
            for state in states:
                ops.bulk_put(1)(ctx, state, 0, Budget(None))
                ops.fill_rest(ctx, state)
    finally:
        for state in states:
            state.client.close()
        for server in servers:
            server.stop()
    return radicale, cms_dav


@pytest.fixture(scope="module")
def fills(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[RadicaleServer,
                                                                       CmsDavServer]]:
    tmp = tmp_path_factory.mktemp("fills")
    return {how: _filled(tmp, how) for how in ("put", "load")}


def _radicale_objects(server: RadicaleServer) -> dict[str, bytes]:
    root = server.collections / "collection-root" / "bench"
    return {f"{folder.name}/{file.name}": file.read_bytes()
            for folder in root.iterdir() for file in folder.iterdir() if file.is_file()}


def test_stock_radicale_holds_the_same_files_and_properties(fills: dict) -> None:
    put, load = (_radicale_objects(fills[how][0]) for how in ("put", "load"))
    assert len(put) == SIZE + ops.Context(SIZE, 6, 1, 1, 1, Path()).events + 2
    assert load == put


def _cms_items(server: CmsDavServer) -> dict[tuple[str, str], tuple[str, str, str]]:
    with sqlite3.connect(server.data_dir / "cms-dav.sqlite3") as db:
        rows = db.execute("SELECT c.path, i.href, i.uid, i.component, i.text FROM items i "
                          "JOIN collections c ON c.id = i.collection_id").fetchall()
    masked = {}
    for path, href, uid, component, text in rows:
        text = text.replace("\r\n ", "")  # unfolded: a stamp may straddle a fold
        for stamp in STAMPS:
            text = stamp.sub("<stamp>", text)
        masked[(path, href)] = (uid, component, text)
    return masked


def test_cms_dav_holds_the_same_items_but_for_the_time_of_the_write(fills: dict) -> None:
    put, load = (_cms_items(fills[how][1]) for how in ("put", "load"))
    assert len(put) == SIZE + ops.Context(SIZE, 6, 1, 1, 1, Path()).events
    assert load == put

