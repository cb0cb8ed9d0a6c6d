"""The pip-audit gate of ``python3 dev.py test`` (issue 10, item 7: "pip-audit in CI with
no unexplained finding").

The real pip-audit runs against a stand-in OSV service on loopback (the OSV API, schema
1.x: https://ossf.github.io/osv-schema/), which flags the installed ``requests``: the
gate must fail on it, pass when ``.pip-audit-ignore`` explains it, and say "NOT AUDITED",
without failing, when no vulnerability service answers.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

import dev
from tests.support.server import free_port

FLAGGED = "requests"
VULN_ID, ALIAS = "GHSA-cmsd-test-0001", "CVE-2099-0001"
ONE_VULN = {"vulns": [{
    "id": VULN_ID, "aliases": [ALIAS], "summary": "stand-in finding for the gate's test",
    "affected": [{"package": {"name": FLAGGED, "ecosystem": "PyPI"},
                  "ranges": [{"type": "ECOSYSTEM",
                              "events": [{"introduced": "0"}, {"fixed": "999.0"}]}]}]}]}


class _FakeOsv(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body = json.dumps(ONE_VULN if query["package"]["name"] == FLAGGED else {}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def fake_osv() -> Iterator[list[str]]:
    """pip-audit arguments that point it at the stand-in service."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeOsv)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield ["--vulnerability-service", "osv",
           "--osv-url", f"http://127.0.0.1:{server.server_address[1]}/v1/query"]
    server.shutdown()


def test_an_unexplained_known_vulnerability_fails_the_test_command(
        fake_osv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert dev.audit(fake_osv, ignore_file=tmp_path / "none") == 1
    out = capsys.readouterr().out
    assert f"{FLAGGED} " in out and VULN_ID in out and "999.0" in out


def test_a_vulnerability_explained_in_the_ignore_file_passes_and_is_listed(
        fake_osv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ignore = tmp_path / "ignore"
    ignore.write_text(f"{ALIAS}  only the test stand-in reports it\n")
    assert dev.audit(fake_osv, ignore_file=ignore) == 0
    assert "ignored, only the test stand-in reports it" in capsys.readouterr().out


def test_an_unreachable_vulnerability_service_says_not_audited_without_failing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    closed = ["--vulnerability-service", "osv", "--timeout", "5",
              "--osv-url", f"http://127.0.0.1:{free_port()}/v1/query"]
    assert dev.audit(closed, ignore_file=tmp_path / "none") == 0
    assert "NOT AUDITED: cannot reach the vulnerability service" in capsys.readouterr().out


def test_packages_the_service_could_not_look_up_are_not_counted_as_audited() -> None:
    """Regression: behind an index mirror that serves /simple/ but answers 404 for
    /pypi/<name>/<version>/json, pip-audit skips every package and prints "No known
    vulnerabilities found" with exit code 0."""
    report = {"dependencies": [
        {"name": "cms-dav", "skip_reason": "distribution marked as editable"},
        {"name": "requests", "skip_reason": "Dependency not found on PyPI and could not be "
                                            "audited: requests (2.32.3)"}]}
    passed, lines = dev.audit_verdict(report, {})
    assert passed
    assert lines[0].startswith("pip-audit: NOT AUDITED") and "requests" in lines[0]


def test_an_ignored_id_without_a_reason_is_refused() -> None:
    with pytest.raises(ValueError, match="line 2: PYSEC-2099-1 has no reason"):
        dev.read_audit_ignores("# comment\nPYSEC-2099-1   # no reason here\n")
