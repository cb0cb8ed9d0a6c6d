"""``serve`` puts what start-up built in the permanent generation before it serves:
every full collection walked those ~97,000 objects, and after a bulk fill the first
listings of a book paid one such walk (bench/README, round eight, branch propfind)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import cms_dav.serving
from cms_dav import server
from cms_dav.config import load_settings


def test_freezing_start_up_keeps_what_lives_on_out_of_collections_and_frees_garbage() -> None:
    code = ("import gc, weakref\nfrom cms_dav.server import freeze_start_up\n"
            "class Node: pass\n"
            "kept = Node(); kept.me = kept\n"
            "garbage = Node(); garbage.me = garbage; gone = weakref.ref(garbage); del garbage\n"
            "freeze_start_up()\n"
            "print(any(o is kept for o in gc.get_objects()), gone() is None)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]


def test_the_server_freezes_after_building_its_stack_and_before_serving(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    steps: list[str] = []

    class FakeApp:
        settings = load_settings(str(tmp_path / "var"))

        def wrap(self, radicale: Any) -> Any:
            steps.append("wrap")
            return object()

    monkeypatch.setattr(server, "freeze_start_up", lambda: steps.append("freeze"))
    monkeypatch.setattr(cms_dav.serving, "run", lambda *args, **kwargs: steps.append("run"))
    server._run(FakeApp(), object(), None)  # type: ignore[arg-type]
    assert steps == ["wrap", "freeze", "run"]
