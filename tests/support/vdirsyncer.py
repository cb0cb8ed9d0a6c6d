"""The real ``vdirsyncer`` client, for tests: writing its config, running it, and
reading what it synced (the local vdir files and the same items on the server)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest
import requests

from tests.support import dav

VDIRSYNCER: str | None = shutil.which("vdirsyncer", path=str(Path(sys.executable).parent))
"""The vdirsyncer installed next to this Python, or None."""


def vdirsyncer_path() -> str:
    """The vdirsyncer binary; fails the calling test when it is missing.

    vdirsyncer is a test dependency (the ``test`` extra in pyproject.toml, installed by
    ``python3 dev.py test``), unlike PostgreSQL, a server a developer may not run: a
    missing binary is a broken environment, so the tests that need it fail, on every
    machine, instead of skipping and hiding that the client was never tried."""
    if VDIRSYNCER is None:
        pytest.fail(f"vdirsyncer is missing next to {sys.executable}: it is a test "
                    f"dependency; run `python3 dev.py setup` (or pip install -e '.[test]')")
    return VDIRSYNCER


requires_vdirsyncer = pytest.mark.usefixtures("vdirsyncer_binary")
"""Marks a test (or, as ``pytestmark``, a module) that runs the real vdirsyncer: it
fails, never skips, when vdirsyncer is missing (see :func:`vdirsyncer_path`)."""

ALL_SERVER_COLLECTIONS: list[object] = ["from b"]
"""``collections`` value: every collection vdirsyncer discovers on the server."""


def same_collection(name: str) -> list[object]:
    """``collections`` value: the one collection ``name``, so named on both sides."""
    return [[name, name, name]]


@dataclass(frozen=True)
class SyncPair:
    """One vdirsyncer ``[pair]``: a local filesystem vdir ``local_dir`` (relative to the
    client folder) against a CardDAV or CalDAV storage on the server. Its two storages
    are named ``local_<name>`` and ``remote_<name>``; the server wins conflicts."""

    name: str
    remote_type: Literal["carddav", "caldav"]
    local_dir: str
    collections: list[object] = field(default_factory=lambda: list(ALL_SERVER_COLLECTIONS))

    @property
    def file_extension(self) -> str:
        return ".vcf" if self.remote_type == "carddav" else ".ics"

    def config_text(self, client_dir: Path, url: str, user: str, password: str) -> str:
        local, remote = f"local_{self.name}", f"remote_{self.name}"
        return f"""
[pair {self.name}]
a = "{local}"
b = "{remote}"
collections = {json.dumps(self.collections)}
conflict_resolution = "b wins"

[storage {local}]
type = "filesystem"
path = {json.dumps(f"{client_dir}/{self.local_dir}")}
fileext = "{self.file_extension}"

[storage {remote}]
type = "{self.remote_type}"
url = {json.dumps(url + "/")}
username = {json.dumps(user)}
password = {json.dumps(password)}
"""


def write_config(client_dir: Path, url: str, user: str, password: str,
                 pairs: Sequence[SyncPair]) -> Path:
    """Writes ``client_dir/vdirsyncer.conf`` syncing ``pairs`` as ``user`` with the server
    at ``url`` (no trailing slash), status kept in ``client_dir/status/``; returns it."""
    config = client_dir / "vdirsyncer.conf"
    config.write_text(f'\n[general]\nstatus_path = {json.dumps(f"{client_dir}/status/")}\n'
                      + "".join(pair.config_text(client_dir, url, user, password)
                                for pair in pairs))
    return config


def contacts_and_calendar_config(client_dir: Path, url: str, user: str, password: str
                                 ) -> Path:
    """A config syncing the user's ``contacts`` book into ``vdir/contacts/contacts/`` and
    ``calendar`` into ``vdir/calendar/calendar/`` below ``client_dir``."""
    return write_config(client_dir, url, user, password, [
        SyncPair("contacts", "carddav", "vdir/contacts/", same_collection("contacts")),
        SyncPair("calendar", "caldav", "vdir/calendar/", same_collection("calendar")),
    ])


def run_vdirsyncer(config: Path, *args: str, timeout: float = 300) -> str:
    """Runs ``vdirsyncer -c config *args``, answering "y" to its questions, asserts that
    it succeeded and returns its output (stdout then stderr)."""
    result = subprocess.run([vdirsyncer_path(), "-c", str(config), *args], input="y\n" * 10,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def discover_and_sync(config: Path, timeout: float = 300) -> str:
    """The first run of a new client: ``discover``, then ``sync``; returns sync's output."""
    run_vdirsyncer(config, "discover", timeout=timeout)
    return run_vdirsyncer(config, "sync", timeout=timeout)


def _property(names: str, text: str) -> str:
    """The value of the first line ``NAME:value`` whose NAME matches the regex ``names``."""
    match = re.search(rf"^(?:{names}):(.*)$", text, re.M)
    assert match is not None, f"no {names} line in {text!r}"
    return match.group(1).strip()


def item_label(text: str) -> tuple[str, str]:
    """(UID, FN or SUMMARY) of one vCard or iCalendar text."""
    return _property("UID", text), _property("FN|SUMMARY", text)


def local_labels(folder: Path) -> dict[str, str]:
    """UID -> FN or SUMMARY of every item file in a local vdir collection folder."""
    return dict(item_label(path.read_text()) for path in folder.iterdir())


def remote_labels(session: requests.Session, server_url: str, collection_path: str
                  ) -> dict[str, str]:
    """UID -> FN or SUMMARY of every item in the collection at ``collection_path``
    (e.g. ``/alice/contacts/``) on the server at ``server_url``, as ``session`` sees it."""
    listing = dav.propfind(session, server_url + collection_path, "", "1")
    return dict(item_label(session.get(server_url + href).text)
                for href in dav.hrefs(listing) if not href.endswith("/"))


def file_mtimes(folder: Path) -> dict[str, int]:
    """File name -> modification time (ns) of every file in ``folder``: equal before and
    after a sync that wrote nothing."""
    return {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}
