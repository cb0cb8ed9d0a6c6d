"""A server process loads only what serving requests needs (issue 19 target 7).

openpyxl (with lxml, ~17 MB) is needed only for an xlsx import or export, rapidfuzz
only for a duplicate search: both are imported when used, not when the server starts.
"""

from __future__ import annotations

import subprocess
import sys

LAZY = ("openpyxl", "lxml", "rapidfuzz")


def test_starting_the_server_code_loads_no_spreadsheet_or_fuzzy_matching_library() -> None:
    probe = ("import sys, cms_dav.server, cms_dav.app, cms_dav.warmup\n"
             f"print(','.join(m for m in {LAZY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip() == ""
