"""Who may know about an HTTP request (cms_dav.request_context's module doc): the doors
(cms_dav.wsgi, the Radicale plugins, the JSON API) and cms_dav.limits as request-bound checks. The
store and the ACL serve the CLI and tests as well, so they get what they need as
arguments; and no request state hides on a thread."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cms_dav"
PLUGINS = ROOT / "plugins" / "cms_dav_plugins"

#: the modules that are about HTTP requests
HTTP_MODULES = ("cms_dav.request_context", "cms_dav.wsgi", "cms_dav.serving")
#: where the request context may be read (besides its own module and the scope layer)
MAY_READ_THE_REQUEST = (PACKAGE / "wsgi", PACKAGE / "api", PACKAGE / "limits", PLUGINS)
#: thread-locals that are no request state: how deep this thread holds the store's
#: lock (and whether that lock defers its WAL fsync, ``Store.locked(defer_sync=True)``),
#: and the transaction of this thread's ``Store.batch``
THREAD_LOCALS_ALLOWED = {PACKAGE / "store" / "store.py"}


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, ``from a import b`` counted as ``a`` and ``a.b``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def knows_http(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in HTTP_MODULES)


def python_files(*folders: Path) -> list[Path]:
    return sorted(path for folder in folders for path in folder.rglob("*.py"))


def test_store_and_acl_import_nothing_that_knows_http_requests() -> None:
    offenders = {str(path.relative_to(ROOT)): sorted(filter(knows_http, imported_modules(path)))
                 for path in python_files(PACKAGE / "store", PACKAGE / "acl")}
    assert {path: names for path, names in offenders.items() if names} == {}


def test_only_the_doors_and_the_request_bound_limits_read_the_request_context() -> None:
    readers = {path for path in python_files(PACKAGE, PLUGINS)
               if any(name == "cms_dav.request_context"
                      for name in imported_modules(path))}
    outside = {str(path.relative_to(ROOT)) for path in readers
               if not any(folder in path.parents for folder in MAY_READ_THE_REQUEST)}
    assert outside == set()


def test_no_request_state_lives_on_a_thread() -> None:
    with_thread_locals = {path for path in python_files(PACKAGE, PLUGINS)
                          if "threading.local" in path.read_text(encoding="utf-8")}
    assert with_thread_locals <= THREAD_LOCALS_ALLOWED
