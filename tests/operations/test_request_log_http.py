"""Issue 17 item 4: one JSON line per request on ``cms_dav.requests`` against the real
server, and never a password, an Authorization header or a share token in the log."""

from __future__ import annotations

import base64
import re
from typing import Iterator

import pytest

from tests.operations.support import request_line, start
from tests.support.server import ServerProcess
from tests.support.sourced import send

PASSWORD = "alice-pw"
SHARE_TOKEN = "Zq8sEcretL1nkT0ken4xyz"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = start(tmp_path_factory.mktemp("request-log"), "[sharing]\npublic_links = true\n")
    yield process
    process.stop()


def test_each_request_is_one_json_line_with_the_documented_fields(
        server: ServerProcess) -> None:
    answer = send(server, "PROPFIND", "/alice/", user="alice", password=PASSWORD,
                  headers={"Depth": "0", "X-Request-ID": "fields-1"})
    assert answer.status == 207
    line = request_line(server, "fields-1")
    assert set(line) == {"time", "request_id", "user", "address", "method", "path",
                         "status", "duration", "bytes"}
    assert (line["user"], line["method"], line["path"], line["status"], line["bytes"]) == (
        "alice", "PROPFIND", "/alice/", 207, len(answer.body))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", str(line["time"]))
    assert isinstance(line["duration"], float)


def test_the_request_id_is_sent_back_and_made_up_when_missing_or_unsafe(
        server: ServerProcess) -> None:
    assert send(server, "GET", "/.cms/health",
                headers={"X-Request-ID": "abc-1"}).headers["x-request-id"] == "abc-1"
    made = send(server, "GET", "/.cms/health", headers={"X-Request-ID": "a b\"c"})
    assert re.fullmatch(r"[0-9a-f]{16}", made.headers["x-request-id"])


def test_the_log_holds_no_password_authorization_or_share_token(
        server: ServerProcess) -> None:
    credentials = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    send(server, "PROPFIND", "/alice/", user="alice", password=PASSWORD,
         headers={"Depth": "0"})
    send(server, "PROPFIND", "/alice/", user="alice", password="wrong-pw-123",
         headers={"Depth": "0"})
    send(server, "GET", f"/.token/v1/{SHARE_TOKEN}/", headers={"X-Request-ID": "token-1"})
    assert request_line(server, "token-1")["path"] == "/.token/v1/***/"
    log = server.log()
    for secret in (PASSWORD, "wrong-pw-123", credentials, SHARE_TOKEN, "Basic "):
        assert secret not in log, secret
