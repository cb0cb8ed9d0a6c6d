"""The ``PROMETHEUS_MULTIPROC_DIR`` of ``cms-dav serve --workers N`` (N > 1).

Every worker writes its metric values to files in that directory and
``/.cms/metrics`` sums the files of all workers (:mod:`cms_dav.metrics`), whichever
worker answers. prometheus_client reads the variable when it is first imported, so
:func:`prepare` runs before anything imports it (``cms_dav.cli.serve``). A directory
the operator set is used (its stale ``*.db`` files of an earlier run removed, as
prometheus_client requires); otherwise serve makes a private one and removes it at exit.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

#: as :data:`cms_dav.metrics.MULTIPROC_ENV` (not imported: that imports prometheus_client)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare() -> Path | None:
    """Point ``PROMETHEUS_MULTIPROC_DIR`` at an empty directory; returns the directory
    to remove at exit (None when the operator's own is used)."""
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before the metrics directory "
                           "was set")
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        for stale in Path(given).glob("*.db"):
            stale.unlink(missing_ok=True)
        return None
    made = Path(tempfile.mkdtemp(prefix="cms-dav-metrics-"))
    os.environ[MULTIPROC_ENV] = str(made)
    return made


def worker_gone(pid: int) -> None:
    """A worker ended: its live gauges (database pool) stop counting."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def remove(made: Path | None) -> None:
    if made is not None:
        shutil.rmtree(made, ignore_errors=True)
