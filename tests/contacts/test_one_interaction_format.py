"""The X-CMS-INTERACTION format is spelled out in one module only (issue 11, point 4).

io/contact_record.py once re-declared the property name and io/merge.py split the
value its own way; a dedupe merge then kept one interaction twice. Any other module
that names the property in code (not in prose) is a second copy of the rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import cms_dav
from cms_dav.contacts import interactions

ROOT = Path(cms_dav.__file__).parent
PLUGINS = ROOT.parent / "plugins"


def _docstrings(tree: ast.Module) -> set[int]:
    nodes = [tree, *(n for n in ast.walk(tree)
                     if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)))]
    return {id(node.body[0].value) for node in nodes
            if node.body and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)}


def _naming_the_property(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    prose = _docstrings(tree)
    return any(isinstance(node, ast.Constant) and isinstance(node.value, str)
               and interactions.PROPERTY in node.value and id(node) not in prose
               for node in ast.walk(tree))


def test_only_the_interactions_module_names_the_property_in_code() -> None:
    sources = [*ROOT.rglob("*.py"), *PLUGINS.rglob("*.py")]
    assert len(sources) > 50
    naming = sorted(str(p.relative_to(ROOT.parent)) for p in sources if _naming_the_property(p))
    assert naming == ["cms_dav/contacts/interactions.py"]
