"""``cms-dav import`` of the bench's CSV, two source trees side by side (issue 19 target 5).

    python -m bench.import_pairs --base /tmp/base --rows 10000 --pairs 3

Each pair imports ``import_csv(rows, 6)`` (the CSV ``bench/operations.py`` imports) into
an empty ``/bench/contacts/`` of a fresh copy of one data dir, once with each tree
(``PYTHONPATH`` = the tree and its ``plugins/``, run from the tree: ``-m`` imports
from the working directory first; this interpreter), the order alternating
(base first, then branch first, ...). Per run: the load average at its start, the wall
time, rows/s, and the CPU of the command and its worker (user + sys, ``RUSAGE_CHILDREN``
deltas); the report line must be the same for both. Prints base and branch side by side
and the medians. Timings are the host's: run it when the host is quiet.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def _env(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": f"{tree}:{tree / 'plugins'}"}


def _template(folder: Path, tree: Path) -> None:
    """A data dir with the user ``bench`` and its empty book ``/bench/contacts/``."""
    python, env = sys.executable, _env(tree)
    subprocess.run([python, "-m", "cms_dav", "--data-dir", str(folder), "init"],
                   env=env, cwd=tree, check=True, capture_output=True,
                   stdin=subprocess.DEVNULL)
    subprocess.run([python, "-m", "cms_dav", "--data-dir", str(folder), "user", "add",
                    "bench", "--password-stdin"], env=env, cwd=tree, check=True,
                   capture_output=True, input=b"bench-password\n")
    subprocess.run([python, "-c", (
        "from cms_dav.app import build_app\n"
        "from cms_dav.config import load_settings\n"
        f"with build_app(load_settings({str(folder)!r})) as app:\n"
        "    app.store.ensure_folder('bench', 'admin')\n"
        "    app.store.replace_collection('bench/contacts', {'tag': 'VADDRESSBOOK'}, [],"
        " 'admin')\n")], env=env, cwd=tree, check=True, capture_output=True)


def _run(tree: Path, template: Path, csv_file: Path, work: Path, rows: int
         ) -> dict[str, object]:
    folder = work / "run"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(template, folder)
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "cms_dav", "--data-dir", str(folder),
                           "import", str(csv_file), "--into", "/bench/contacts/",
                           "--user", "bench"], env=_env(tree), capture_output=True,
                          check=True, stdin=subprocess.DEVNULL,
                          cwd=tree)  # ``-m`` puts the working directory first on sys.path
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"load": load, "wall": wall, "rows/s": rows / wall, "cpu": cpu,
            "report": done.stdout.decode().strip()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="the base source tree")
    parser.add_argument("--branch", type=Path, default=HERE, help="default: this tree")
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(args.branch))
    from bench.data import import_csv

    with tempfile.TemporaryDirectory(prefix="import-pairs-") as name:
        work = Path(name)
        csv_file = work / f"import-{args.rows}.csv"
        csv_file.write_bytes(import_csv(args.rows, 6))
        template = work / "template"
        _template(template, args.branch)
        for tree in (args.base, args.branch):  # bytecode compiled before any timing
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "cms_dav"),
                            str(tree / "plugins")], check=False, capture_output=True)
        results: dict[str, list[dict[str, object]]] = {"base": [], "branch": []}
        print("pair order   | base load / wall s / rows/s / CPU s | "
              "branch load / wall s / rows/s / CPU s", flush=True)
        for pair in range(args.pairs):
            order = ["base", "branch"] if pair % 2 == 0 else ["branch", "base"]
            for side in order:
                tree = args.base if side == "base" else args.branch
                results[side].append(_run(tree, template, csv_file, work, args.rows))
            base, branch = results["base"][-1], results["branch"][-1]
            print(f"{pair + 1:4d} {order[0]:7s} | {_row(base)} | {_row(branch)}", flush=True)
            if base["report"] != branch["report"]:
                print(f"     reports differ: {base['report']!r} / {branch['report']!r}")
        for side in ("base", "branch"):
            runs = results[side]
            print(f"median {side:6s}: wall {_median(runs, 'wall'):.2f} s, "
                  f"{_median(runs, 'rows/s'):.0f} rows/s, CPU {_median(runs, 'cpu'):.2f} s "
                  f"({runs[0]['report']})")


def _row(run: dict[str, object]) -> str:
    return (f"{run['load']:4.1f} / {run['wall']:6.2f} / {run['rows/s']:5.0f} / "
            f"{run['cpu']:6.2f}")


def _median(runs: list[dict[str, object]], key: str) -> float:
    return statistics.median(float(run[key]) for run in runs)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
