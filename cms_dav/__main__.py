"""``python -m cms_dav``: the cyclic collector is paused before the command line's first
import (click and the settings' modules: 19 collections, ~3 ms of a ``cms-dav search``,
issue 19 target 5); :func:`cms_dav.cli.main` keeps it paused while the command's modules
load and resumes it before the command runs."""

import gc

gc.disable()

from cms_dav.cli import main  # noqa: E402  (after the pause, which is the point)

main()
