#!/usr/bin/env python3
"""The two quick-start commands, needing nothing but Python 3.11+:

    python3 dev.py serve    # set up .venv, initialise ./var, serve on http://127.0.0.1:5232
    python3 dev.py test     # set up .venv and run the whole test suite

Extra arguments go to ``cms-dav serve`` or to pytest respectively.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".cms-dav-installed"


def _python() -> Path:
    return BIN / ("python.exe" if os.name == "nt" else "python")


def _wanted_stamp() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_venv() -> None:
    """Create .venv and install the project with its test extras when pyproject changed."""
    if sys.version_info < (3, 11):
        sys.exit(f"cms_dav needs Python 3.11 or newer (this is {sys.version.split()[0]})")
    if not _python().exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _wanted_stamp():
        return
    print("installing cms_dav and its dependencies into .venv ...", flush=True)
    subprocess.run([str(_python()), "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
                   check=True)
    subprocess.run([str(_python()), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]"],
                   check=True)
    STAMP.write_text(_wanted_stamp())


def serve(args: list[str]) -> int:
    cms_dav = [str(_python()), "-m", "cms_dav"]
    subprocess.run(cms_dav + ["init"], check=True, stdin=sys.stdin)
    return subprocess.call(cms_dav + ["serve"] + args)


def test(args: list[str]) -> int:
    return subprocess.call([str(_python()), "-m", "pytest"] + args, cwd=ROOT)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("serve", "test", "setup"):
        print(__doc__)
        return 2
    ensure_venv()
    command, args = sys.argv[1], sys.argv[2:]
    if command == "setup":
        return 0
    return serve(args) if command == "serve" else test(args)


if __name__ == "__main__":
    sys.exit(main())
