"""``python -m cms_dav ...`` with every cyclic-GC collection logged (for bench.get_tail).

    GC_LOG=FILE python bench/gc_logged.py --data-dir D serve ...

One line per collection: ``start end generation collected`` (``time.monotonic()``,
the clock the client's samples use too), flushed at once.
"""

from __future__ import annotations

import gc
import os
import runpy
import sys
import time
from typing import Any

_start = [0.0]


def _logged(out: Any) -> Any:
    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            _start[0] = time.monotonic()
            return
        out.write(f"{_start[0]:.6f} {time.monotonic():.6f} {info['generation']} "
                  f"{info['collected']}\n")
        out.flush()
    return callback


def main() -> None:
    out = open(os.environ["GC_LOG"], "w", encoding="ascii")  # noqa: SIM115 - process-long
    gc.callbacks.append(_logged(out))
    sys.argv = ["cms_dav", *sys.argv[1:]]
    runpy.run_module("cms_dav", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
