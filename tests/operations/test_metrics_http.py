"""Issue 17 item 4: Prometheus metrics at ``/.cms/metrics`` against the real server:
what is counted, and who may read them (loopback, ``[metrics] allow``, the token)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.operations.support import start
from tests.support.server import ServerProcess
from tests.support.sourced import propfind, send

PROXY, TOKEN = "127.0.0.2", "s3cret-metrics-token"
CONFIG = (f"[server]\ntrusted_proxies = {PROXY}\n"
          "[auth]\nlockout_threshold = 3\nfirst_delay_seconds = 0.01\n"
          "max_delay_seconds = 0.05\nlockout_seconds = 600\n"
          f"[metrics]\ntoken = {TOKEN}\nallow = 198.51.100.0/24\n")
SYNC = (b'<?xml version="1.0"?><D:sync-collection xmlns:D="DAV:"><D:sync-token/>'
        b'<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>')


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = start(tmp_path_factory.mktemp("metrics"), CONFIG)
    yield process
    process.stop()


def sample(server: ServerProcess, name: str, **labels: str) -> float:
    """The value of sample ``name`` with ``labels`` (0 when absent), read over HTTP."""
    answer = send(server, "GET", "/.cms/metrics")
    assert answer.status == 200, answer.body
    for family in text_string_to_metric_families(answer.body.decode()):
        for each in family.samples:
            if each.name == name and all(each.labels.get(k) == v for k, v in labels.items()):
                return float(each.value)
    return 0.0


def settled(server: ServerProcess, expected: float, name: str, **labels: str) -> float:
    """Sample ``name`` until it reads ``expected`` (at most 5 s), then return what it
    reads. A request is counted when the server closes its answer, which may come just
    after the client has read the last byte and asked for the metrics (the flake of
    stop 23: ``0.0 == 0.0 + 1``)."""
    deadline = time.monotonic() + 5
    while True:
        value = sample(server, name, **labels)
        if value == expected or time.monotonic() > deadline:
            return value
        time.sleep(0.02)


def test_requests_are_counted_by_method_route_kind_and_status(server: ServerProcess) -> None:
    before = sample(server, "cms_dav_http_requests_total", method="GET", route="item",
                    status="404")
    answer = send(server, "GET", "/alice/contacts/missing.vcf", user="alice",
                  password="alice-pw")
    assert answer.status == 404
    assert settled(server, before + 1, "cms_dav_http_requests_total", method="GET",
                   route="item", status="404") == before + 1


@pytest.mark.parametrize(("path", "route"), [
    ("/alice/", "principal"), ("/alice/contacts/", "collection"),
    ("/.well-known/carddav", "well-known"), ("/", "other")])
def test_route_kinds_are_told_apart(server: ServerProcess, path: str, route: str) -> None:
    answer = send(server, "PROPFIND", path, user="alice", password="alice-pw",
                  headers={"Depth": "0"})
    status = str(answer.status)
    before = sample(server, "cms_dav_http_requests_total", method="PROPFIND", route=route,
                    status=status)
    assert send(server, "PROPFIND", path, user="alice", password="alice-pw",
                headers={"Depth": "0"}).status == answer.status
    assert settled(server, before + 1, "cms_dav_http_requests_total", method="PROPFIND",
                   route=route, status=status) == before + 1


def test_latency_is_a_histogram_by_method_and_route(server: ServerProcess) -> None:
    labels = {"method": "PROPFIND", "route": "principal"}
    before = sample(server, "cms_dav_http_request_duration_seconds_count", **labels)
    assert propfind(server, "alice", "alice-pw", source="127.0.0.1") == 207
    assert settled(server, before + 1, "cms_dav_http_request_duration_seconds_count",
                   **labels) == before + 1
    assert settled(server, before + 1, "cms_dav_http_request_duration_seconds_bucket",
                   le="+Inf", **labels) == before + 1


def test_sync_collection_reports_served_are_counted(server: ServerProcess) -> None:
    before = sample(server, "cms_dav_sync_collection_served_total")
    answer = send(server, "REPORT", "/alice/contacts/", user="alice", password="alice-pw",
                  headers={"Content-Type": "application/xml", "Depth": "1"}, body=SYNC)
    assert answer.status == 207, answer.body
    assert settled(server, before + 1, "cms_dav_sync_collection_served_total") == before + 1


def test_login_failures_and_lockouts_are_counted(server: ServerProcess) -> None:
    failures = sample(server, "cms_dav_login_failures_total")
    for attempt in range(3):
        assert propfind(server, "bob", f"guess-{attempt}", source="127.0.0.61") == 401
    assert propfind(server, "bob", "bob-pw", source="127.0.0.61") == 401
    assert settled(server, failures + 3, "cms_dav_login_failures_total") == failures + 3
    assert sample(server, "cms_dav_lockouts_total", kind="pair") >= 1
    assert sample(server, "cms_dav_login_refused_locked_total", kind="pair") >= 1


def test_a_remote_client_without_the_token_is_refused_naming_it(
        server: ServerProcess) -> None:
    answer = send(server, "GET", "/.cms/metrics", source=PROXY,
                  headers={"X-Forwarded-For": "203.0.113.9"})
    assert answer.status == 403
    assert b"Authorization: Bearer" in answer.body and b"203.0.113.9" in answer.body


def test_a_remote_client_with_the_token_reads_the_metrics(server: ServerProcess) -> None:
    answer = send(server, "GET", "/.cms/metrics", source=PROXY,
                  headers={"X-Forwarded-For": "203.0.113.9",
                           "Authorization": f"Bearer {TOKEN}"})
    assert answer.status == 200
    assert b"cms_dav_http_requests_total" in answer.body


def test_a_wrong_token_is_refused(server: ServerProcess) -> None:
    answer = send(server, "GET", "/.cms/metrics", source=PROXY,
                  headers={"X-Forwarded-For": "203.0.113.9",
                           "Authorization": "Bearer guessed"})
    assert (answer.status, answer.body) == (403, b"/.cms/metrics: wrong bearer token\n")


def test_an_allowed_network_reads_the_metrics_without_token(server: ServerProcess) -> None:
    answer = send(server, "GET", "/.cms/metrics", source=PROXY,
                  headers={"X-Forwarded-For": "198.51.100.7"})
    assert answer.status == 200


def test_a_loopback_peer_forwarding_without_being_trusted_does_not_open_the_metrics(
        server: ServerProcess) -> None:
    answer = send(server, "GET", "/.cms/metrics", source="127.0.0.5",
                  headers={"X-Forwarded-For": "203.0.113.9"})
    assert answer.status == 403


def test_multiprocess_mode_reads_the_values_from_the_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "prometheus"
    directory.mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    process = start(tmp_path / "data", "")
    try:
        assert propfind(process, "alice", "alice-pw", source="127.0.0.1") == 207
        assert settled(process, 1, "cms_dav_http_requests_total", method="PROPFIND",
                       route="principal", status="207") == 1
    finally:
        process.stop()
    assert any(path.name.startswith("counter_") for path in directory.iterdir())
