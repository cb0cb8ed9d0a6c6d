"""bench.front_cost's busy kinds answer the plain GET, with the worker's work before the
answer (busy) or in the response's close(), after it (busy-after)."""

from __future__ import annotations

from typing import Any

import pytest

from bench import front_cost


def call(path: str) -> tuple[list[Any], Any]:
    started: list[Any] = []
    result = front_cost.app({"REQUEST_METHOD": "GET", "PATH_INFO": path},
                            lambda status, headers: started.append((status, headers)))
    return started, result


@pytest.mark.parametrize("path", ["/busy", "/busy-after"])
def test_a_busy_get_answers_what_the_plain_get_answers(path: str) -> None:
    assert call(path)[0] == call("/get")[0]
    assert b"".join(call(path)[1]) == front_cost.SMALL


def test_busy_after_does_its_work_when_the_server_closes_the_response(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(front_cost, "_busy", lambda: calls.append(1) or 0)
    _, result = call("/busy-after")
    assert calls == []
    result.close()
    assert calls == [1]


def test_busy_does_its_work_before_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(front_cost, "_busy", lambda: calls.append(1) or 0)
    call("/busy")
    assert calls == [1]
