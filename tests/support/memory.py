"""Memory of the server under test, read from Linux ``/proc`` (issue 10: "peak server
memory stays under 300 MB through the whole hostile suite").

``VmHWM`` is the kernel's high-water mark of a process's resident set: it catches a
spike that lasted a millisecond, which no sampling does. Writing ``5`` to
``/proc/PID/clear_refs`` (Linux 4.0+, ``Documentation/filesystems/proc.rst``) resets it,
so each attack can get its own peak. A server that forks workers is measured as its
process group (tests start it with ``start_new_session=True``, so the group id is its pid).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

KB_PER_MB = 1024


def _status_kb(pid: int, field: str) -> int:
    """A ``kB`` field of ``/proc/PID/status`` (``VmHWM:   123456 kB``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(f"/proc/{pid}/status has no {field}")


def peak_rss_mb(pid: int) -> float:
    """The peak resident memory of process ``pid`` so far (``VmHWM``), in MB."""
    return _status_kb(pid, "VmHWM") / KB_PER_MB


def rss_mb(pid: int) -> float:
    """The resident memory of process ``pid`` now (``VmRSS``), in MB."""
    return _status_kb(pid, "VmRSS") / KB_PER_MB


def reset_peak_rss(pid: int) -> bool:
    """Start a new high-water mark for ``pid``; False where the kernel does not allow it
    (then peaks stay cumulative, which only makes them larger)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def group_pids(pgid: int) -> list[int]:
    """The live processes of process group ``pgid``: the server and any worker it forked."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        # field 5 is the process group; the command name (field 2) may hold spaces
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid:
            pids.append(int(entry.name))
    return pids


def group_peak_rss_mb(pgid: int) -> float:
    """Sum of the peaks of every process of the group (an upper bound of its peak)."""
    total = 0.0
    for pid in group_pids(pgid):
        try:
            total += peak_rss_mb(pid)
        except (OSError, LookupError):
            continue
    return total


def reset_group_peak_rss(pgid: int) -> bool:
    return all([reset_peak_rss(pid) for pid in group_pids(pgid)])


class MemoryGuard:
    """Samples the resident memory of a process group in a background thread and, past
    ``abort_mb``, kills the whole group: a runaway server must fail its test, not take
    a shared machine down with it. ``aborted_at_mb`` tells whether that happened."""

    def __init__(self, pgid: int, abort_mb: float, interval: float = 0.05) -> None:
        self.pgid, self.abort_mb, self.interval = pgid, abort_mb, interval
        self.max_rss_mb = 0.0
        self.aborted_at_mb: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-guard", daemon=True)

    def __enter__(self) -> "MemoryGuard":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        pids, refreshed = group_pids(self.pgid), time.monotonic()
        while not self._stop.wait(self.interval):
            if time.monotonic() - refreshed > 1:
                pids, refreshed = group_pids(self.pgid), time.monotonic()
            total = 0.0
            for pid in pids:
                try:
                    total += rss_mb(pid)
                except (OSError, LookupError):
                    continue
            self.max_rss_mb = max(self.max_rss_mb, total)
            if total > self.abort_mb:
                self.aborted_at_mb = total
                try:
                    os.killpg(self.pgid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                return
