"""Only cms_dav.radicale_compat touches Radicale's private names (issue 11, point 2).

Decided: Radicale's *documented* plugin overrides are public API despite their
underscore, and plugins override them directly: ``BaseAuth._login`` (the example in
Radicale's DOCUMENTATION.md), ``_login_ext`` and ``_login_ext_with_groups`` (their
docstrings say "override this method"), ``BaseGroup._groups`` (the group plugin's one
abstract method). Everything else with an underscore is private.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.radicale_compat.private_names import scan, violations

ROOT = Path(__file__).resolve().parents[2]


def test_no_module_outside_radicale_compat_touches_radicale_private_names() -> None:
    found = scan([ROOT / "cms_dav", ROOT / "plugins"], ROOT / "cms_dav" / "radicale_compat",
                 ROOT)
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("source", [
    "from radicale.pathutils import _private_helper",
    "import radicale._internal",
    "from radicale import pathutils\npathutils._cache.clear()",
    "from radicale import pathutils\npathutils.sanitize_path = str",
    "import radicale.xmlutils as x\nsetattr(x, 'make_clark', str)",
    "from radicale import pathutils\ngetattr(pathutils, '_x')",
    "from radicale.sharing import common",
    "from radicale.app import report",
    "import vobject.base\nvobject.base.getLogicalLines = iter",
    "from dateutil import rrule\nrrule.rrule._iter",
    "configuration.update({'server': {'_internal_server': 'True'}}, 'x')",
    "from radicale import storage\nclass S(storage.BaseStorage):\n    _supports_unicode = True",
    "from radicale import auth\nclass A(auth.BaseAuth):\n"
    "    def _sleep_for_constant_exec_time(self, t): pass",
    "from radicale import item\nclass I(item.Item):\n    def f(self):\n        return self._etag",
    "from radicale.sharing import BaseSharing\nclass S(BaseSharing):\n"
    "    def f(self):\n        return self._storage",
], ids=["private-name-import", "private-module", "private-attribute", "module-patch",
        "setattr-patch", "getattr-private", "internal-sharing-module",
        "internal-report-module", "vobject-patch", "dateutil-private",
        "undocumented-option", "private-flag-override", "private-method-override",
        "inherited-private-attribute", "inherited-private-service"])
def test_scan_finds_each_kind_of_private_use(source: str) -> None:
    assert violations(source) != []


@pytest.mark.parametrize("source", [
    "from radicale import auth\nclass A(auth.BaseAuth):\n"
    "    def _login_ext(self, login, password, context): return login",
    "from radicale import group\nclass G(group.BaseGroup):\n"
    "    def _groups(self, login): return set()",
    "from radicale import item\nclass I(item.Item):\n"
    "    def f(self):\n        self._record = 1",
    "from radicale import pathutils\npathutils.sanitize_path('/a/')",
], ids=["documented-login-override", "documented-groups-override", "own-private-attribute",
        "public-function"])
def test_scan_accepts_public_api_and_documented_overrides(source: str) -> None:
    assert violations(source) == []
