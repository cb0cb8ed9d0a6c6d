"""What a shape check is, and the few ways of looking at Radicale's code it needs.

A :class:`Shape` is one fact about Radicale (or vobject/dateutil) that cms_dav relies
on without it being public API: an attribute that exists, a signature, a keyword
argument Radicale passes, a text Radicale logs. Each check looks the object up *when it
runs* (by dotted path), so a test can monkeypatch the shape away and see the message.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import textwrap
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

#: where every private use lives; named in each mismatch message
HOME = "cms_dav/radicale_compat"


class CompatibilityError(RuntimeError):
    """Radicale (or vobject/dateutil) no longer has a shape cms_dav relies on."""


@dataclass(frozen=True)
class Shape:
    """One relied-on fact. ``problem()`` says how it is broken, or None."""

    problem: Callable[[], str | None]
    #: who breaks when it goes, e.g. "cms_dav's StoredItem"
    user: str

    def mismatch(self) -> str | None:
        try:
            found = self.problem()
        except Exception as exc:  # noqa: BLE001 - a check that cannot run is a mismatch
            found = f"a shape check failed ({type(exc).__name__}: {exc})"
        if found is None:
            return None
        return f"{found}; {self.user} relies on it ({HOME})"


def resolve(dotted: str) -> Any:
    """``"radicale.item.Item._etag"`` style lookup: the longest importable module
    prefix, then attributes. Raises LookupError naming what is missing."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for index, name in enumerate(parts[cut:], cut):
            if not hasattr(target, name):
                raise LookupError(f"{'.'.join(parts[:index])} no longer has attribute {name}")
            target = getattr(target, name)
        return target
    raise LookupError(f"module {parts[0]} cannot be imported")


def _owner(dotted: str) -> tuple[str, str]:
    owner, _, name = dotted.rpartition(".")
    return owner, name


def _resolved_owner(dotted: str) -> tuple[Any, str, str]:
    """The object owning ``dotted``'s last name, its dotted path and that name
    (LookupError when the owner is gone)."""
    owner_path, name = _owner(dotted)
    return resolve(owner_path), owner_path, name


def attribute(dotted: str, user: str) -> Shape:
    """The attribute exists (class attribute, method, or declared instance annotation)."""
    def problem() -> str | None:
        try:
            owner, owner_path, name = _resolved_owner(dotted)
        except LookupError as exc:
            return str(exc)
        declared: dict[str, Any] = {}
        for klass in reversed(getattr(owner, "__mro__", ())):
            declared.update(getattr(klass, "__annotations__", {}))
        if hasattr(owner, name) or name in declared:
            return None
        return f"{owner_path} no longer has attribute {name}"
    return Shape(problem, user)


def parameters(dotted: str, expected: Sequence[str], user: str) -> Shape:
    """The callable's parameter names are exactly ``expected`` (in order)."""
    def problem() -> str | None:
        try:
            function = resolve(dotted)
        except LookupError as exc:
            return str(exc)
        found = list(inspect.signature(function).parameters)
        if found == list(expected):
            return None
        return (f"{dotted} now takes ({', '.join(found)}) instead of "
                f"({', '.join(expected)})")
    return Shape(problem, user)


def source_of(dotted: str) -> str:
    target = resolve(dotted)
    if isinstance(target, property):
        target = target.fget
    return _source(inspect.unwrap(target))


@functools.lru_cache(maxsize=256)
def _source(target: Any) -> str:
    """Keyed by the object itself: a replaced function or class is read anew."""
    return textwrap.dedent(inspect.getsource(target))


def mentions(dotted: str, text: str, meaning: str, user: str) -> Shape:
    """The source of ``dotted`` (module, class or function) contains ``text``."""
    def problem() -> str | None:
        try:
            source = source_of(dotted)
        except LookupError as exc:
            return str(exc)
        if text in source:
            return None
        return f"{dotted} no longer {meaning} ({text!r} is gone from its source)"
    return Shape(problem, user)


@functools.lru_cache(maxsize=64)
def _tree(source: str) -> ast.Module:
    return ast.parse(source)


def keywords_passed(module: str, method: str, first_argument: str,
                    keywords: Iterable[str], user: str) -> Shape:
    """Every call ``<x>.<method>(<first_argument>, ...)`` in ``module`` passes ``keywords``."""
    wanted = set(keywords)

    def problem() -> str | None:
        try:
            tree = _tree(source_of(module))
        except LookupError as exc:
            return str(exc)
        calls = [node for node in ast.walk(tree)
                 if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                 and node.func.attr == method and node.args
                 and isinstance(node.args[0], ast.Constant)
                 and node.args[0].value == first_argument]
        if not calls:
            return f"{module} no longer calls {method}({first_argument!r}, ...)"
        for call in calls:
            missing = wanted - {k.arg for k in call.keywords if k.arg}
            if missing:
                named = ", ".join(f"{k}=" for k in sorted(missing))
                return (f"{module} no longer passes {named} to "
                        f"{method}({first_argument!r}, ...)")
        return None
    return Shape(problem, user)


def calls_by_name(module: str, function: str, user: str) -> Shape:
    """``module`` calls ``function(...)`` through its global name (so replacing the
    module attribute reaches that call)."""
    def problem() -> str | None:
        try:
            tree = _tree(source_of(module))
        except LookupError as exc:
            return str(exc)
        if any(isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
               and node.func.id == function for node in ast.walk(tree)):
            return None
        return f"{module} no longer calls {function}() by its module-level name"
    return Shape(problem, user)


def equals(dotted: str, expected: Any, user: str) -> Shape:
    def problem() -> str | None:
        try:
            found = resolve(dotted)
        except LookupError as exc:
            return str(exc)
        if found == expected or (isinstance(found, (list, tuple))
                                 and tuple(found) == tuple(expected)):
            return None
        return f"{dotted} is now {found!r} instead of {expected!r}"
    return Shape(problem, user)


def property_of(dotted: str, getter: str, setter: str, user: str) -> Shape:
    """The class attribute ``dotted`` is a property made of its class's own ``getter``
    and ``setter`` (``rruleset = property(getrruleset, setrruleset)``), so a replaced
    getter needs the property rebuilt. Checked on the objects: reading a class's source
    (:func:`mentions`) parses its whole module, tens of milliseconds of each start."""
    def problem() -> str | None:
        try:
            owner, _, name = _resolved_owner(dotted)
        except LookupError as exc:
            return str(exc)
        found = vars(owner).get(name)
        if isinstance(found, property) and found.fget is vars(owner).get(getter) \
                and found.fset is vars(owner).get(setter):
            return None
        return f"{dotted} is no longer property({getter}, {setter})"
    return Shape(problem, user)


def contains(dotted: str, keys: Sequence[str], user: str) -> Shape:
    """The mapping at ``dotted`` has ``keys[0]``, whose value has ``keys[1]``, ..."""
    def problem() -> str | None:
        try:
            found = resolve(dotted)
        except LookupError as exc:
            return str(exc)
        for depth, key in enumerate(keys):
            if key not in found:
                where = "".join(f"[{k!r}]" for k in keys[:depth])
                return f"{dotted}{where} no longer has the key {key!r}"
            found = found[key]
        return None
    return Shape(problem, user)


def mismatches(shapes: Iterable[Shape]) -> list[str]:
    return [m for m in (shape.mismatch() for shape in shapes) if m is not None]


def require(shapes: Iterable[Shape], what: str) -> None:
    """Raise CompatibilityError naming every mismatch before ``what`` is done."""
    found = mismatches(shapes)
    if found:
        raise CompatibilityError(f"cannot {what}: " + "; ".join(found))
