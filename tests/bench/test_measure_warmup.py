"""bench.measure's untimed warm-ups: run first on every server, interleaved like the
repeats, kept out of the reported samples, and charged to a capped server's time cap."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.measure import Budget, Capped, measure


@dataclass
class FakeServer:
    key: str
    capped: bool = False
    restarts: int = 0

    def cpu_share(self) -> float:
        return 0.0

    def wait_idle(self) -> float:
        return 0.0

    def sched_seconds(self) -> tuple[float, float, float]:
        return 0.0, 0.0, 0.0

    def restart(self) -> None:
        self.restarts += 1


@dataclass
class FakeClient:
    def close(self) -> None:
        pass


@dataclass
class FakeState:
    server: FakeServer
    client: FakeClient = field(default_factory=FakeClient)

    @property
    def key(self) -> str:
        return self.server.key


def _states() -> list[FakeState]:
    return [FakeState(FakeServer("radicale", capped=True)), FakeState(FakeServer("cms_dav"))]


def test_warm_up_samples_are_kept_apart_from_the_timed_ones() -> None:
    def run(state: Any, repeat: int, budget: Budget) -> list[float]:
        return [float(repeat)]

    outcomes = measure(_states(), run, repeats=3, cap=100.0, warmups=1)
    for outcome in outcomes.values():
        assert outcome.warmup == [-1.0]
        assert outcome.samples == [0.0, 1.0, 2.0]
        assert len(outcome.cpu) == 3  # one record per timed step, none for the warm-up


def test_warm_ups_come_first_on_every_server_and_alternate_the_order() -> None:
    calls: list[tuple[str, int]] = []

    def run(state: Any, repeat: int, budget: Budget) -> list[float]:
        calls.append((state.key, repeat))
        return [0.0]

    measure(_states(), run, repeats=2, cap=100.0, warmups=1)
    assert calls == [("radicale", -1), ("cms_dav", -1), ("cms_dav", 0), ("radicale", 0),
                     ("radicale", 1), ("cms_dav", 1)]


def test_without_warm_ups_the_first_repeat_is_timed_as_before() -> None:
    calls: list[int] = []

    def run(state: Any, repeat: int, budget: Budget) -> list[float]:
        calls.append(repeat)
        return [1.0]

    outcomes = measure(_states(), run, repeats=3, cap=100.0)
    assert calls == [0, 0, 1, 1, 2, 2]
    assert all(outcome.warmup == [] for outcome in outcomes.values())


def test_a_warm_up_that_runs_out_of_the_cap_caps_the_server() -> None:
    def run(state: Any, repeat: int, budget: Budget) -> list[float]:
        if state.server.capped:
            raise Capped(done=10, total=100, elapsed=3.0)
        return [0.5]

    states = _states()
    outcomes = measure(states, run, repeats=3, cap=100.0, warmups=1)
    radicale = outcomes["radicale"]
    assert radicale.capped and radicale.samples == []
    assert radicale.capped_elapsed == 30.0  # the lower bound from the part it finished
    assert "the untimed warm-up capped" in radicale.notes[0]
    assert states[0].server.restarts == 1
    assert outcomes["cms_dav"].samples == [0.5, 0.5, 0.5]
