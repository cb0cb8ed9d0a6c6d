"""An AST scan for uses of Radicale's private names outside ``cms_dav.radicale_compat``.

Reported, per file and line:

- importing a private name or module: ``from radicale.x import _y``, ``import radicale._x``;
- reading or writing a private attribute through a Radicale name: ``pathutils._x``,
  ``getattr(pathutils, "_x")``;
- replacing anything in a Radicale module or class: ``pathutils.sanitize_path = f``,
  ``setattr(storage.BaseStorage, ...)``, ``del xmlutils.x``;
- in a class derived from a Radicale class, defining, assigning or using (``self._x``) a
  private member of that Radicale base, unless it is a documented plugin override
  (``radicale_compat.DOCUMENTED_OVERRIDES``);
- naming an undocumented Radicale option (``"_internal_server"``) in a string;
- importing one of Radicale's internal modules (``radicale_compat.INTERNAL_MODULES``).

vobject and dateutil are watched the same way (their private names, replacing their
functions): cms_dav patches them too, and only through ``radicale_compat``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from cms_dav.radicale_compat import DOCUMENTED_OVERRIDES, INTERNAL_MODULES

#: packages whose internals only cms_dav.radicale_compat may touch
WATCHED = ("radicale", "vobject", "dateutil")


def _watched(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in WATCHED)


def _internal(dotted: str) -> bool:
    return any(dotted == name or dotted.startswith(name + ".") for name in INTERNAL_MODULES)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


@lru_cache(maxsize=None)
def _private_options() -> frozenset[str]:
    from radicale import config
    return frozenset(option for section in config.DEFAULT_CONFIG_SCHEMA.values()
                     for option in section if _private(option))


def _documented(cls: type) -> set[str]:
    allowed: set[str] = set()
    for klass in cls.__mro__:
        allowed.update(DOCUMENTED_OVERRIDES.get(f"{klass.__module__}.{klass.__qualname__}", ()))
    return allowed


@lru_cache(maxsize=None)
def private_members(dotted: str) -> frozenset[str]:
    """Private names a Radicale class and its Radicale bases define, declare or set on
    ``self`` (minus documented plugin overrides)."""
    module, _, name = dotted.rpartition(".")
    cls = getattr(importlib.import_module(module), name)
    names: set[str] = set()
    for klass in cls.__mro__:
        if not _watched(klass.__module__):
            continue
        names.update(n for n in vars(klass) if _private(n))
        names.update(n for n in getattr(klass, "__annotations__", {}) if _private(n))
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError):
            continue
        names.update(node.attr for node in ast.walk(tree)
                     if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                     and node.value.id == "self" and _private(node.attr))
    return frozenset(names - _documented(cls))


class _Scanner(ast.NodeVisitor):
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.found: list[str] = []
        #: local name -> the Radicale object it is bound to ("radicale.pathutils")
        self.bound: dict[str, str] = {}
        #: private members of the Radicale base of the class being visited
        self.inherited: frozenset[str] = frozenset()

    def report(self, node: ast.AST, what: str) -> None:
        self.found.append(f"{self.filename}:{getattr(node, 'lineno', 0)}: {what}")

    # -- imports --------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if _watched(alias.name):
                if any(_private(part) for part in alias.name.split(".")):
                    self.report(node, f"imports the private module {alias.name}")
                if _internal(alias.name):
                    self.report(node, f"imports Radicale's internal module {alias.name}")
                top = alias.name.split(".")[0]
                self.bound[alias.asname or top] = alias.name if alias.asname else top

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level or not _watched(module):
            return
        if any(_private(part) for part in module.split(".")):
            self.report(node, f"imports from the private module {module}")
        for alias in node.names:
            dotted = f"{module}.{alias.name}"
            if _private(alias.name):
                self.report(node, f"imports the private name {dotted}")
            if _internal(dotted):
                self.report(node, f"imports Radicale's internal module {dotted}")
            self.bound[alias.asname or alias.name] = dotted

    # -- attribute use ----------------------------------------------------------
    def _root(self, node: ast.AST) -> str | None:
        """The Radicale object an expression like ``pathutils.x.y`` starts from."""
        while isinstance(node, ast.Attribute):
            node = node.value
        return self.bound.get(node.id) if isinstance(node, ast.Name) else None

    def visit_Attribute(self, node: ast.Attribute) -> None:
        root = self._root(node)
        if root is not None and _private(node.attr):
            self.report(node, f"uses the private name {node.attr} of {root}")
        elif (isinstance(node.value, ast.Name) and node.value.id == "self"
              and node.attr in self.inherited):
            self.report(node, f"uses the private member self.{node.attr} of a Radicale base class")
        if root is not None and isinstance(node.ctx, (ast.Store, ast.Del)):
            self.report(node, f"replaces {node.attr} in {root}")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        if name in ("getattr", "setattr", "hasattr", "delattr") and node.args:
            root = self._root(node.args[0])
            key = node.args[1] if len(node.args) > 1 else None
            if root is not None and name in ("setattr", "delattr"):
                self.report(node, f"replaces an attribute of {root} with {name}()")
            elif root is not None and isinstance(key, ast.Constant) \
                    and isinstance(key.value, str) and _private(key.value):
                self.report(node, f"uses the private name {key.value} of {root}")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and node.value in _private_options():
            self.report(node, f"names the undocumented Radicale option {node.value}")

    # -- classes derived from Radicale's ------------------------------------------
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        inherited: set[str] = set()
        for base in node.bases:
            root = self._root(base)
            if root is None:
                continue
            dotted = root + "".join(f".{part}" for part in _attribute_path(base)[1:])
            inherited |= private_members(dotted)
        outer = self.inherited
        self.inherited = frozenset(inherited) or outer
        if inherited:
            for statement in node.body:
                for name in _defined_names(statement):
                    if name in inherited:
                        self.report(statement, f"overrides the private member {name} of a "
                                               "Radicale base class")
        self.generic_visit(node)
        self.inherited = outer


def _attribute_path(node: ast.AST) -> list[str]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return list(reversed(parts))


def _defined_names(statement: ast.stmt) -> Iterator[str]:
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
        yield statement.name
    elif isinstance(statement, ast.Assign):
        for target in statement.targets:
            if isinstance(target, ast.Name):
                yield target.id
    elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        yield statement.target.id


def violations(source: str, filename: str = "<source>") -> list[str]:
    scanner = _Scanner(filename)
    scanner.visit(ast.parse(source))
    return scanner.found


def scan(roots: list[Path], exempt: Path, base: Path) -> list[str]:
    found: list[str] = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            if exempt in path.parents:
                continue
            found += violations(path.read_text(encoding="utf-8"), str(path.relative_to(base)))
    return found


