"""``cms-dav search`` starts without the server's HTTP side, Alembic or the file
formats it does not read (issue 19 target 5: the command's time was mostly start-up)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

#: loaded by the web app/JSON API, migrations, xlsx and report tables, never by a search;
#: nor, on SQLite, the PostgreSQL dialect; nor prometheus_client (a command counts nothing)
NOT_FOR_A_SEARCH = ("fastapi", "alembic", "openpyxl", "rich", "cms_dav.web.factory",
                    "cms_dav.api.factory", "sqlalchemy.dialects.postgresql",
                    "prometheus_client")


#: the App's write side and HTTP side: a search builds a Reader (cms_dav.app.build_reader),
#: not the App, so neither Radicale (with cms_dav's patches and plugins) nor the index
#: writer's vCard and phone number parsers nor the WebDAV-Push key's cryptography load
NOT_FOR_A_READER = ("radicale", "cms_dav.radicale_compat", "cms_dav_plugins", "vobject",
                    "phonenumbers", "cryptography", "cms_dav.store.store", "cms_dav.push")


#: nor the quota's limit errors (a search only skips generated collections by their
#: marker), nor, for a user without shares, the share table with its audit writer
NOT_FOR_A_SEARCH_READ = ("cms_dav.store.quota", "cms_dav.limits.errors",
                         "cms_dav.acl.share_table", "cms_dav.store.audit")


def modules_a_search_loads(data_dir: Path, names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` are in ``sys.modules`` after a ``cms-dav search`` in a fresh
    interpreter (after ``cms-dav init`` made the data dir)."""
    subprocess.run([sys.executable, "-m", "cms_dav", "--data-dir", str(data_dir), "init"],
                   capture_output=True, timeout=300, check=False)
    code = ("import json, sys\nfrom cms_dav.cli import main\n"
            f"try:\n    main(['--data-dir', {str(data_dir)!r}, 'search', 'ada', '--json'])\n"
            "except SystemExit:\n    pass\n"
            f"print(json.dumps([m for m in {list(names)!r} if m in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_a_search_loads_neither_the_web_app_nor_alembic_nor_openpyxl(tmp_path: Path) -> None:
    assert modules_a_search_loads(tmp_path / "var", NOT_FOR_A_SEARCH) == []


def test_a_search_loads_neither_radicale_nor_the_write_side(tmp_path: Path) -> None:
    assert modules_a_search_loads(tmp_path / "var", NOT_FOR_A_READER) == []


def test_a_search_without_shares_loads_neither_quota_nor_share_table(tmp_path: Path) -> None:
    assert modules_a_search_loads(tmp_path / "var", NOT_FOR_A_SEARCH_READ) == []


#: on an SQLite database at head a search reads through the standard library's sqlite3
#: (cms_dav.store.sql): importing SQLAlchemy was half of its start-up
NOT_FOR_A_SEARCH_ON_SQLITE = ("sqlalchemy", "cms_dav.store.engine", "cms_dav.store.schema",
                              "cms_dav.metrics")


def test_a_search_on_sqlite_loads_no_sqlalchemy(tmp_path: Path) -> None:
    assert modules_a_search_loads(tmp_path / "var", NOT_FOR_A_SEARCH_ON_SQLITE) == []


def test_a_search_for_a_sharee_on_sqlite_loads_no_sqlalchemy(tmp_path: Path) -> None:
    """Another user's book is decided by the shares table, read through sqlite3 too."""
    from cms_dav.app import build_app
    from cms_dav.config import load_settings
    from tests.contacts.index_support import book, card_data, share_book_read_only, vcard

    data_dir = tmp_path / "var"
    app = build_app(load_settings(data_dir))
    try:
        app.store.replace_collection("alice", {}, [], "admin")
        book(app.store, "alice/contacts")
        app.store.put_item("alice/contacts", "a.vcf", card_data(vcard("a", "Ada"), "a"),
                           "alice")
        share_book_read_only(app.store, "alice", "/alice/contacts/", "bob",
                             "/bob/alice-contacts/")
    finally:
        app.close()
    code = ("import json, sys\nfrom cms_dav.cli import main\n"
            f"try:\n    main(['--data-dir', {str(data_dir)!r}, 'search', 'ada', '--user', "
            "'bob', '--json'])\nexcept SystemExit:\n    pass\n"
            "print(json.dumps([m for m in sys.modules if m.startswith('sqlalchemy')]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    *found, loaded = done.stdout.splitlines()
    assert [row["name"] for row in json.loads("\n".join(found))] == ["Ada"]
    assert json.loads(loaded) == []


#: standard modules only some paths need, imported where they are used: an error's XML
#: escaping (xml.sax.saxutils loads urllib.request), the "did you mean" of a misspelt
#: setting, the TOML of a rights or fields file (the data dir has neither), a setting
#: listing networks
NOT_FOR_A_SEARCH_START = ("xml.sax", "urllib.request", "http.client", "difflib", "tomllib")


def test_a_search_loads_none_of_the_standard_modules_only_other_paths_need(
        tmp_path: Path) -> None:
    assert modules_a_search_loads(tmp_path / "var", NOT_FOR_A_SEARCH_START) == []


def test_reading_the_settings_loads_no_radicale(tmp_path: Path) -> None:
    """``radicale.config`` imports all of Radicale (its package loads the application):
    the schema of ``[radicale:NAME]`` sections is read only when a file has one."""
    code = ("import sys\nfrom cms_dav.config import load_settings\n"
            f"load_settings({str(tmp_path / 'var')!r})\n"
            "print('radicale' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False"]


def run_python(code: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_a_command_runs_with_the_collector_on_and_its_imports_frozen(tmp_path: Path) -> None:
    """main() pauses the cyclic collector while click imports the command's modules
    (35 of ~420 ms of a search went to collections of objects that live as long as the
    process); the command itself runs with it on again, the imports' objects frozen."""
    code = ("import gc\nimport cms_dav.app\nfrom cms_dav.cli import main\n"
            "build = cms_dav.app.build_reader\n"
            "def observed(settings):\n"
            "    print(gc.isenabled(), gc.get_freeze_count() > 0)\n"
            "    return build(settings)\n"
            "cms_dav.app.build_reader = observed\n"
            f"try:\n    main(['--data-dir', {str(tmp_path / 'var')!r}, 'search', 'ada'])\n"
            "except SystemExit:\n    pass\n")
    assert run_python(code)[:2] == ["True", "True"]


def test_the_collector_is_on_again_after_a_command_line_error() -> None:
    code = ("import gc\nfrom cms_dav.cli import main\n"
            "try:\n    main(['--no-such-option'])\n"
            "except SystemExit:\n    pass\n"
            "print(gc.isenabled())\n")
    assert run_python(code)[-1:] == ["True"]


def test_python_m_cms_dav_collects_nothing_while_importing_the_command_line() -> None:
    """``python -m cms_dav`` pauses the collector before ``cms_dav.cli`` (click, the
    settings) loads; the collections counted are those before its ``main`` exists."""
    code = ("import gc, runpy, sys\nseen = []\n"
            "def count(phase, info):\n"
            "    if phase == 'start' and not hasattr(sys.modules.get('cms_dav.cli'), 'main'):\n"
            "        seen.append(info['generation'])\n"
            "gc.callbacks.append(count)\nsys.argv = ['cms_dav', '--version']\n"
            "try:\n    runpy.run_module('cms_dav', run_name='__main__')\n"
            "except SystemExit:\n    pass\nprint(len(seen))\n")
    assert run_python(code)[-1:] == ["0"]
