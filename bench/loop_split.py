"""Issue 19: the real server's CPU per single-card GET, thread by thread, user and system.

    python -m bench.loop_split --baseline DIR [--size 1000] [--samples 3000] [--pairs 3]

Fills one book as ``bench.get_tail`` does, then runs ``cms-dav serve --workers 1`` of
this tree and (``--baseline``) of another one on copies of the data, and in interleaved
rounds sends ``--samples`` GETs of random cards over one keep-alive connection per
server. Per round it prints, per GET, the event-loop thread's (the main thread's) user
and system CPU and the worker threads' (``/proc/PID/task/TID/stat`` ticks, so use
thousands of samples), beside the load average. User time is Python; system time is
the syscalls (recv, send with loopback delivery, epoll, futex) (round nine).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from bench import get_tail


def _ticks(pid: int, tid: int) -> tuple[int, int]:
    with open(f"/proc/{pid}/task/{tid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])  # utime, stime


def _split(pid: int) -> tuple[int, int, int, int]:
    """(loop user, loop system, workers user, workers system) in clock ticks."""
    user, system = _ticks(pid, pid)
    rest_user = rest_system = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        if int(tid) != pid:
            try:
                a, b = _ticks(pid, int(tid))
            except OSError:  # the thread ended
                continue
            rest_user, rest_system = rest_user + a, rest_system + b
    return user, system, rest_user, rest_system


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=3000)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--baseline", type=Path, default=None)
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="loop-split-"))
    branch = get_tail.LoggedCms(workdir, args.python, "branch", None)
    servers = [branch]
    tick = os.sysconf("SC_CLK_TCK")
    try:
        get_tail._fill([branch], args.size, workdir)
        branch.stop()
        if args.baseline is not None:
            base = get_tail.LoggedCms(workdir, args.python, "base", args.baseline.resolve())
            shutil.copytree(branch.data_dir, base.data_dir)
            servers.insert(0, base)
        for server in servers:
            server.launch()
            get_tail.timed_round(server, args.size, 300, "warm")
        for number in range(args.pairs):
            for server in servers if number % 2 == 0 else servers[::-1]:
                assert server.proc is not None
                load = open("/proc/loadavg", encoding="ascii").read().split()[0]
                before = _split(server.proc.pid)
                get_tail.timed_round(server, args.size, args.samples, f"split:{number}")
                after = _split(server.proc.pid)
                per = [(b - a) * 1e6 / tick / args.samples for a, b in
                       zip(before, after, strict=True)]
                print(f"round {number + 1} {server.key:6} load {load:>5}  loop user "
                      f"{per[0]:4.0f} sys {per[1]:3.0f} µs/GET  workers user {per[2]:4.0f} "
                      f"sys {per[3]:3.0f}", flush=True)
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
