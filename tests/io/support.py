"""Helpers for the io tests that drive the real CLI against a real server."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from xml.etree import ElementTree as ET

import requests

from tests.support.dav import NS, propfind
from tests.support.server import ServerProcess

PASSWORDS = {"alice": "alice-pw", "bob": "bob-pw"}

_QUERY = """<?xml version="1.0" encoding="utf-8"?>
<{kind}:{report} xmlns:d="DAV:" xmlns:{kind}="{ns}"><d:prop><d:getetag/><{kind}:{data}/>
</d:prop>{filter}</{kind}:{report}>"""


def login(server: ServerProcess, user: str) -> requests.Session:
    """A session whose first request creates the user's predefined collections."""
    session = server.session(user, PASSWORDS[user])
    response = propfind(session, f"{server.url}/{user}/", "<d:propfind xmlns:d='DAV:'>"
                        "<d:prop><d:resourcetype/></d:prop></d:propfind>")
    assert response.status_code == 207, response.text
    return session


def objects(session: requests.Session, url: str) -> dict[str, tuple[str, str]]:
    """{href: (etag, text)} of every card or calendar object, in one REPORT."""
    if "calendar" in url:
        body = _QUERY.format(kind="c", report="calendar-query", ns=NS["c"], data="calendar-data",
                             filter='<c:filter><c:comp-filter name="VCALENDAR"/></c:filter>')
        data_path = "d:propstat/d:prop/c:calendar-data"
    else:
        body = _QUERY.format(kind="cr", report="addressbook-query", ns=NS["cr"],
                             data="address-data", filter="")
        data_path = "d:propstat/d:prop/cr:address-data"
    response = session.request("REPORT", url, data=body.encode(),
                               headers={"Depth": "1", "Content-Type": "application/xml"})
    assert response.status_code == 207, response.text
    found = {}
    for node in ET.fromstring(response.content).findall("d:response", NS):
        href = node.findtext("d:href", namespaces=NS) or ""
        etag = node.findtext("d:propstat/d:prop/d:getetag", namespaces=NS) or ""
        found[href] = (etag, node.findtext(data_path, namespaces=NS) or "")
    return found


def cli_json(server: ServerProcess, *args: str) -> object:
    result = server.cli(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def cli_ok(server: ServerProcess, *args: str) -> subprocess.CompletedProcess[str]:
    result = server.cli(*args)
    assert result.returncode == 0, result.stderr
    return result


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def run_cli(data_dir: Path, *args: str, input: str | None = None, ok: bool = True):  # type: ignore[no-untyped-def]
    """The real ``cms-dav`` command, in-process (a subprocess costs a second per call)."""
    from click.testing import CliRunner

    from cms_dav.cli import cli

    result = CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args], input=input,
                                catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output + (result.stderr or "")
    return result


def run_json(data_dir: Path, *args: str) -> object:
    return json.loads(run_cli(data_dir, *args, "--json").stdout)
