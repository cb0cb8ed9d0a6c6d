"""No module-level mutable registry in cms_dav: state lives on the App (issue 11).

A registry is module-level state that code changes at run time: a container bound at
module level and then mutated (``WRITE_HOOKS.append``, ``_engines[url] = engine``), a
``global`` rebinding, or a module-level ``threading.local()``. Whether a write updated
the search index used to depend on which of them had been filled earlier in the
process. Lookup tables (dicts and sets of constants, even when their own module
completes them while it is imported) are fine and need no listing here; anything else
must be on the allow-list below with its reason.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[1]
PACKAGES = (REPO / "cms_dav", REPO / "plugins" / "cms_dav_plugins")

MUTABLE_CALLS = {"dict", "list", "set", "defaultdict", "OrderedDict", "deque", "Counter",
                 "WeakValueDictionary", "WeakKeyDictionary", "WeakSet", "bytearray"}
MUTATORS = {"append", "appendleft", "extend", "insert", "add", "update", "setdefault",
            "pop", "popitem", "clear", "remove", "discard", "__setitem__", "__delitem__"}

#: "module.py:name" -> why this piece of process-wide state is acceptable
ALLOWED = {
    # install-once flags of process-wide patches of third-party modules (vobject,
    # Radicale); issue 11 point 2 moves these into cms_dav/radicale_compat.py
    "cms_dav/limits/recurrence.py:global _installed": "patches vobject once per process",
    "cms_dav/limits/vobject_lines.py:global _installed": "patches vobject once per process",
    "cms_dav/radicale_speedups.py:global _installed": "patches Radicale once per process",
    # the per-request state of the thread serving the request, replaced by a
    # request-context object made by one middleware (issue 11 point 1)
}


def _module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for node in body:
        if isinstance(node, (ast.If, ast.Try)):
            yield from _module_level(node.body)
            yield from _module_level(node.orelse)
            for handler in getattr(node, "handlers", []):
                yield from _module_level(handler.body)
            yield from _module_level(getattr(node, "finalbody", []))
        else:
            yield node


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _containers(tree: ast.Module) -> dict[str, int]:
    """Module-level names bound to a mutable container: name -> line."""
    found: dict[str, int] = {}
    for node in _module_level(tree.body):
        value = getattr(node, "value", None)
        if not isinstance(node, (ast.Assign, ast.AnnAssign)) or value is None:
            continue
        if isinstance(value, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp,
                              ast.SetComp)) or (isinstance(value, ast.Call)
                                                and _callee(value) in MUTABLE_CALLS):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found.update({t.id: node.lineno for t in targets if isinstance(t, ast.Name)})
    return found


def _mutation_target(node: ast.AST) -> ast.expr | None:
    """The container a statement or call changes in place, if any."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr in MUTATORS:
        return node.func.value
    targets: list[ast.expr] = []
    if isinstance(node, (ast.Assign, ast.Delete)):
        targets = list(node.targets)
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    for target in targets:
        if isinstance(target, ast.Subscript):
            return target.value
    return None


Mutation = tuple[ast.expr, frozenset[str] | None]


def _mutations(tree: ast.Module) -> Iterator[Mutation]:
    """Each mutated container expression with the names local to its function (None:
    at module level, i.e. while the module is imported)."""
    def visit(node: ast.AST, local: frozenset[str] | None) -> Iterator[Mutation]:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            names = {a.arg for a in args.args + args.kwonlyargs + args.posonlyargs}
            names |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
            names |= {n.id for n in ast.walk(node)
                      if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            local = frozenset(names)
        target = _mutation_target(node)
        if target is not None:
            yield target, local
        for child in ast.iter_child_nodes(node):
            yield from visit(child, local)
    yield from visit(tree, None)


def findings(packages: tuple[Path, ...] = PACKAGES, root: Path = REPO) -> list[str]:
    """Every registry found, as "file:kind name" strings (paths relative to ``root``)."""
    trees = {path.relative_to(root).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
             for package in packages for path in sorted(package.rglob("*.py"))}
    module_of = {where[:-3].replace("/", ".").removeprefix("plugins."): where
                 for where in trees}
    containers = {(where, name) for where, tree in trees.items() for name in _containers(tree)}
    problems: set[str] = set()
    for where, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Global):
                problems.update(f"{where}:global {name}" for name in node.names)
        for node in _module_level(tree.body):
            value = getattr(node, "value", None)
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(value, ast.Call) \
                    and _callee(value) == "local":
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                problems.update(f"{where}:local {t.id}" for t in targets
                                if isinstance(t, ast.Name))
        # where each name of this file comes from: its own module, or an import
        origin: dict[str, str] = {}
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module in module_of:
                for alias in node.names:
                    origin[alias.asname or alias.name] = f"{module_of[node.module]}:{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in module_of:
                        origin[alias.asname or alias.name] = module_of[alias.name]
        for target, function_locals in _mutations(tree):
            local = function_locals or frozenset()
            if isinstance(target, ast.Name) and target.id not in local:
                home, _, name = origin.get(target.id, f"{where}:{target.id}").partition(":")
            elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                    and target.value.id not in local and target.value.id in origin:
                home, name = origin[target.value.id].partition(":")[0], target.attr
            else:
                continue
            if function_locals is None and home == where:
                continue  # a table built while its own module is imported
            if (home, name) in containers:
                problems.add(f"{home}:mutated {name}")
    return sorted(problems)


def test_no_module_level_mutable_registry_in_cms_dav() -> None:
    unexpected = [finding for finding in findings() if finding not in ALLOWED]
    assert unexpected == [], (
        "module-level state changed at run time; put it on the App (cms_dav/app.py) or, "
        "if it truly must be process-wide, on ALLOWED with the reason")


def test_every_allowed_registry_still_exists() -> None:
    """A stale allow-list entry would let a new registry of that name in unnoticed."""
    assert sorted(set(ALLOWED) - set(findings())) == []


def test_the_scan_finds_a_registry(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "hooks.py").write_text("HOOKS: list = []\n_cache = {}\n_flag = False\n"
                                      "TABLE = {'a': 1}\nTABLE.update(b=2)\n")
    (package / "install.py").write_text(
        "from pkg.hooks import HOOKS\nimport pkg.hooks as h\n\n"
        "def install(hook):\n    HOOKS.append(hook)\n    h._cache['k'] = hook\n\n"
        "def flip():\n    global _flag\n    _flag = True\n")
    assert findings((package,), tmp_path) == ["pkg/hooks.py:mutated HOOKS",
                                              "pkg/hooks.py:mutated _cache",
                                              "pkg/install.py:global _flag"]
