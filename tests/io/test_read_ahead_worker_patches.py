"""A read-ahead worker reads and writes vobject as the importer's process does: every
replacement the importer's process has (``build_app`` and the storage plugin install
them) is installed in the worker too, or its rows would be read by other code than
the rows the importer reads itself (regression: the content-line writes of round six
were installed by the storage plugin only, which workers do not load)."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from cms_dav.io.read_ahead import _start_worker


def _vobject_functions() -> dict[str, str]:
    import vobject.base
    import vobject.icalendar

    def where(function: object) -> str:
        return f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', '?')}"

    return {"ContentLine.__setattr__": where(vobject.base.ContentLine.__setattr__),
            "stringToTextValues": where(vobject.icalendar.stringToTextValues),
            "foldOneLine": where(vobject.base.foldOneLine)}


def test_a_worker_has_the_importer_s_vobject_replacements() -> None:
    import cms_dav_plugins.storage  # noqa: F401  # what build_app loads in the importer
    from cms_dav.io import vobject_fold, vobject_text
    vobject_text.install()
    vobject_fold.install()
    here = _vobject_functions()
    assert here["ContentLine.__setattr__"].startswith("cms_dav."), here
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_start_worker) as pool:
        assert pool.submit(_vobject_functions).result(timeout=60) == here
