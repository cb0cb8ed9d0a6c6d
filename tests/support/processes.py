"""Running and stopping the programs tests start (servers, helpers that start servers)."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path


def run_whole_group(command: list[str], cwd: Path, timeout: float
                    ) -> subprocess.CompletedProcess[bytes]:
    """``subprocess.run(..., check=True, capture_output=True)``, but in a process group of
    its own that is SIGKILLed whole on timeout: ``subprocess.run`` kills only the program,
    and the servers it started would run on, taking CPU from every later test."""
    with subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          start_new_session=True) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, command, stdout, stderr)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def terminate(process: subprocess.Popen[bytes] | None, grace: float = 10) -> None:
    """Stop ``process`` if it still runs: SIGTERM, and SIGKILL after ``grace`` seconds."""
    if process and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
