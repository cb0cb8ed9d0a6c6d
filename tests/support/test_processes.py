"""Test processes end: a timed-out helper program leaves none of its children running,
and a test server that did not come up is stopped."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.processes import run_whole_group
from tests.support.server import ServerProcess

#: starts a child that would outlive it, writes the child's pid, then waits for it
PARENT = ("import subprocess, sys; child = subprocess.Popen(['sleep', '300']); "
          "open(sys.argv[1], 'w').write(str(child.pid)); child.wait()")


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie, killed and not yet reaped by init, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_a_timeout_kills_the_programs_children_too(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    with pytest.raises(subprocess.TimeoutExpired):
        run_whole_group([sys.executable, "-c", PARENT, str(pid_file)], cwd=tmp_path,
                        timeout=5)
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def test_a_failing_program_raises_with_its_output(tmp_path: Path) -> None:
    with pytest.raises(subprocess.CalledProcessError) as failed:
        run_whole_group([sys.executable, "-c", "import sys; sys.exit('broken')"],
                        cwd=tmp_path, timeout=60)
    assert failed.value.returncode == 1 and b"broken" in failed.value.stderr


def test_a_server_that_did_not_come_up_is_not_left_running(tmp_path: Path) -> None:
    server = ServerProcess(data_dir=tmp_path / "var", ready_seconds=0.0)
    with pytest.raises(RuntimeError, match="did not come up"):
        server.start()
    assert server.process is not None and server.process.poll() is not None
