"""At start-up cms_dav checks every Radicale shape it relies on and refuses to start,
naming each mismatch, when one has gone (issue 11, point 2)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pytest
from radicale import auth
from radicale import item as radicale_item
from radicale import pathutils, sharing, storage

from cms_dav import radicale_compat
from cms_dav.radicale_compat import patches, shapes


def test_the_installed_radicale_has_every_shape_cms_dav_relies_on() -> None:
    assert radicale_compat.mismatches() == []
    radicale_compat.check()


def test_a_missing_item_attribute_is_named_with_who_relies_on_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    annotations = dict(radicale_item.Item.__annotations__)
    del annotations["_etag"]
    monkeypatch.setattr(radicale_item.Item, "__annotations__", annotations)
    assert radicale_compat.mismatches() == [
        "radicale.item.Item no longer has attribute _etag; cms_dav's StoredItem "
        "(plugins/cms_dav_plugins/storage.py) relies on it (cms_dav/radicale_compat)"]


def test_a_changed_signature_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    def acquire_lock(self, mode, user=""):  # type: ignore[no-untyped-def]
        raise NotImplementedError
    monkeypatch.setattr(storage.BaseStorage, "acquire_lock", acquire_lock)
    assert any(m.startswith("radicale.storage.BaseStorage.acquire_lock now takes "
                            "(self, mode, user) instead of (self, mode, user, args, kwargs)")
               for m in radicale_compat.mismatches())


def test_a_changed_share_record_layout_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sharing, "DB_FIELDS_V1", (*sharing.DB_FIELDS_V1, "Expires"))
    [mismatch] = radicale_compat.mismatches()
    assert mismatch.startswith("radicale.sharing.DB_FIELDS_V1 is now (")
    assert "cms_dav's share database" in mismatch


def test_a_radicale_outside_the_tested_range_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    real = metadata.version
    monkeypatch.setattr(radicale_compat.metadata, "version",
                        lambda name: "3.10.1" if name == "radicale" else real(name))
    assert radicale_compat.mismatches() == [
        "radicale 3.10.1 is installed, outside the tested range >=3.9,<3.10; every private "
        "use listed in cms_dav/radicale_compat relies on it (cms_dav/radicale_compat)"]


def test_every_mismatch_is_named_in_one_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(auth.BaseAuth, "_sleep_for_constant_exec_time")
    monkeypatch.setattr(sharing, "DB_FIELDS_V1", ("ShareType",))
    with pytest.raises(radicale_compat.CompatibilityError) as refused:
        radicale_compat.check()
    message = str(refused.value)
    assert message.startswith("cms_dav cannot run with the installed Radicale: ")
    assert "radicale.auth.BaseAuth no longer has attribute _sleep_for_constant_exec_time" \
        in message
    assert "radicale.sharing.DB_FIELDS_V1 is now ('ShareType',)" in message


def test_lock_keywords_that_radicale_stops_passing_are_named(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    (tmp_path / "fake_put.py").write_text(textwrap.dedent("""
        def do_PUT(self, path, user):
            with self._storage.acquire_lock("w", user, path=path):
                pass
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    shape = shapes.keywords_passed("fake_put", "acquire_lock", "w",
                                   ("path", "request", "actor"), "the hook")
    assert shape.mismatch() == ("fake_put no longer passes actor=, request= to "
                                "acquire_lock('w', ...); the hook relies on it "
                                "(cms_dav/radicale_compat)")


def test_a_patch_is_refused_when_its_target_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    def sanitize_path(path, strict):  # type: ignore[no-untyped-def]
        return path
    monkeypatch.setattr(pathutils, "sanitize_path", sanitize_path)
    monkeypatch.setattr(patches, "_installed", set())
    with pytest.raises(radicale_compat.CompatibilityError,
                       match=r"cannot install the path memo: radicale.pathutils.sanitize_path "
                             r"now takes \(path, strict\) instead of \(path\)"):
        radicale_compat.install_path_memo()
    assert pathutils.sanitize_path is sanitize_path  # nothing was replaced


#: runs cms-dav with one shape of Radicale taken away first
BROKEN = """
import sys
import radicale.item
annotations = dict(radicale.item.Item.__annotations__)
del annotations["_etag"]
radicale.item.Item.__annotations__ = annotations
from cms_dav.cli import main
main(sys.argv[1:])
"""


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["check"]])
def test_cms_dav_refuses_with_one_clear_message_and_no_traceback(tmp_path: Path,
                                                                 command: list[str]) -> None:
    result = subprocess.run([sys.executable, "-c", BROKEN, "--data-dir", str(tmp_path),
                             *command], capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert ("radicale.item.Item no longer has attribute _etag; cms_dav's StoredItem "
            "(plugins/cms_dav_plugins/storage.py) relies on it") in result.stderr + result.stdout


def test_the_share_table_stores_only_fields_of_radicale_share_records() -> None:
    from cms_dav.acl import share_table

    assert set(share_table.COLUMNS) <= set(radicale_compat.SHARE_FIELDS)


def test_the_wsgi_application_is_refused_when_a_shape_is_gone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cms_dav.config import load_settings
    from cms_dav.server import application

    monkeypatch.delattr(auth.BaseAuth, "_sleep_for_constant_exec_time")
    with pytest.raises(radicale_compat.CompatibilityError,
                       match="radicale.auth.BaseAuth no longer has attribute "
                             "_sleep_for_constant_exec_time; cms_dav's auth plugin"):
        application(load_settings(str(tmp_path), None))


def test_a_function_no_longer_called_through_its_module_name_is_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "fake_report.py").write_text(textwrap.dedent("""
        from os.path import join as report
        def do_REPORT():
            return report()
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    shape = shapes.calls_by_name("fake_report", "xml_report", "the limits")
    assert shape.mismatch() == ("fake_report no longer calls xml_report() by its "
                                "module-level name; the limits relies on it "
                                "(cms_dav/radicale_compat)")


def test_a_rruleset_no_longer_built_from_its_getter_is_named(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The PERIOD patch replaces ``getrruleset`` and rebuilds ``rruleset`` around it;
    checked on the class's objects, not its source (which parses all of vobject.icalendar
    at each start)."""
    from vobject.icalendar import RecurringComponent

    monkeypatch.setattr(RecurringComponent, "rruleset", property(lambda self: None))
    [mismatch] = [m for m in radicale_compat.mismatches() if "rruleset" in m]
    assert mismatch.startswith("vobject.icalendar.RecurringComponent.rruleset is no longer "
                               "property(getrruleset, setrruleset); ")
