"""Interleaved, repeated, time-capped measurement of one operation on every server.

Repeats alternate the server order (A B, B A, ...) so that neither server always
runs on a warmer or busier machine; the time cap keeps a slow stock Radicale from
turning a 10k run into an afternoon.
"""

from __future__ import annotations

import math
import socket
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from bench.dav import HttpError


class Capped(Exception):
    """The operation ran out of its time budget before finishing."""

    def __init__(self, done: int, total: int, elapsed: float) -> None:
        super().__init__(f"{done:,} of {total:,} in {elapsed:.0f} s")
        self.done, self.total, self.elapsed = done, total, elapsed


class NotAvailable(Exception):
    """The server has no such feature (e.g. a cms_dav CLI command that is not built yet)."""


@dataclass
class Budget:
    """What is left of an operation's time cap for one server (None: unlimited)."""

    seconds: float | None

    def exceeded(self, elapsed: float) -> bool:
        return self.seconds is not None and elapsed > self.seconds


@dataclass
class Outcome:
    samples: list[float] = field(default_factory=list)
    capped: bool = False
    unavailable: str = ""
    notes: list[str] = field(default_factory=list)
    capped_elapsed: float = 0.0
    #: no more repeats (time cap used up); the samples so far still count
    stopped: bool = False
    #: the reference server's CPU share (of one core) in the moment before each timed
    #: step of this server, after waiting for it to be idle: ~0 unless it still works
    reference_cpu: list[float] = field(default_factory=list)
    #: this server's own CPU share (of one core) in the moment before each timed step:
    #: ~0 unless it still works on something (background work after bulk writes)
    busy_before: list[float] = field(default_factory=list)
    #: per timed step (one request, or one repeat's latency samples): the server's CPU
    #: time and its live threads' run-queue wait (machine load), seconds
    cpu: list[float] = field(default_factory=list)
    runq_wait: list[float] = field(default_factory=list)
    #: the untimed warm-up steps' samples (``measure(warmups=...)``): kept for the
    #: record, never in the reported value
    warmup: list[float] = field(default_factory=list)


def now() -> float:
    return time.perf_counter()


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = now()
    result = action()
    return now() - start, result


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile: with 50 samples p95 is the 48th smallest."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def settle(states: list[Any]) -> float:
    """Wait until every capped (reference) server is idle; the highest CPU share seen
    in the last look, recorded with the step that follows."""
    return max((state.server.wait_idle() for state in states if state.server.capped),
               default=0.0)


def _restart(state: Any) -> None:
    """A fresh process for a server that ran out of its time cap: whatever it was
    still computing for the client that gave up dies with the old one."""
    state.client.close()
    state.server.restart()


RunFn = Callable[[Any, Any, int, Budget], list[float]]


def measure(states: list[Any], run: RunFn, repeats: int, cap: float,
            applies: Callable[[Any], str] = lambda state: "",
            warmups: int = 0) -> dict[str, Outcome]:
    """Run ``run(state, repeat, budget)`` for every state, interleaved, ``repeats`` times.

    ``applies(state)`` returns a reason when the operation does not exist for that
    server (the outcome is then n/a). Capped servers get ``cap`` seconds in total.
    A capped server that ran out of time is restarted (it would go on computing the
    abandoned answer and starve what is measured next), and before every timed step
    the capped (reference) servers are waited for until idle and their CPU recorded.
    ``warmups``: that many untimed rounds first, the same steps for every server in
    the same interleaved order (repeat numbers -1, -2, ...); their samples go to
    ``Outcome.warmup``, not into the value. They count against a capped server's
    time cap like any step, and a warm-up that runs out of it caps the server as a
    timed step would (a lower bound from the time it took).
    """
    outcomes = {state.key: Outcome() for state in states}
    spent = {state.key: 0.0 for state in states}
    for state in states:
        reason = applies(state)
        if reason:
            outcomes[state.key].unavailable = reason
    rounds = [-(w + 1) for w in range(warmups)] + list(range(repeats))
    for number, repeat in enumerate(rounds):
        order: Iterable[Any] = states if number % 2 == 0 else list(reversed(states))
        for state in order:
            outcome = outcomes[state.key]
            if outcome.capped or outcome.unavailable or outcome.stopped:
                continue
            remaining = cap - spent[state.key] if state.server.capped else None
            if remaining is not None and remaining <= 0:
                done = max(0, repeat)
                outcome.notes.append(f"{done} of {repeats} repeats within the time cap")
                outcome.capped = not outcome.samples
                outcome.stopped = True
                continue
            start = now()
            if repeat < 0:
                _warm_up(state, run, repeat, Budget(remaining), outcome, cap)
            else:
                _timed_step(states, state, run, repeat, Budget(remaining), outcome, cap)
            spent[state.key] += now() - start
    return outcomes


def _timed_step(states: list[Any], state: Any, run: RunFn, repeat: int, budget: Budget,
                outcome: Outcome, cap: float) -> None:
    outcome.reference_cpu.append(settle(states))
    outcome.busy_before.append(round(state.server.cpu_share(), 3))
    cpu_before, wait_before, ticks_before = state.server.sched_seconds()
    start = now()
    try:
        outcome.samples += run(state, repeat, budget)
        cpu_after, wait_after, ticks_after = state.server.sched_seconds()
        # the live threads' nanoseconds, unless ended threads' ticks show more
        outcome.cpu.append(max(cpu_after - cpu_before, ticks_after - ticks_before))
        outcome.runq_wait.append(wait_after - wait_before)
    except Exception as exc:  # noqa: BLE001 - sorted out by _failed, re-raised otherwise
        _failed(state, exc, outcome, now() - start, cap, f"repeat {repeat + 1}")


def _warm_up(state: Any, run: RunFn, repeat: int, budget: Budget, outcome: Outcome,
             cap: float) -> None:
    start = now()
    try:
        outcome.warmup += run(state, repeat, budget)
    except Exception as exc:  # noqa: BLE001 - sorted out by _failed, re-raised otherwise
        _failed(state, exc, outcome, now() - start, cap, "the untimed warm-up")


def _failed(state: Any, exc: Exception, outcome: Outcome, elapsed: float, cap: float,
            step: str) -> None:
    """What a step that raised means for the server's outcome."""
    if isinstance(exc, Capped):
        # lower bound for the whole job: per-item cost does not fall as the
        # collection grows (stock Radicale's PUT scans every UID), so the rest
        # takes at least as long per item as the part that finished
        outcome.capped = True
        outcome.capped_elapsed = exc.elapsed * exc.total / max(exc.done, 1)
        outcome.notes.append(f"{step} capped: {exc}")
        _restart(state)
    elif isinstance(exc, (socket.timeout, TimeoutError)):
        outcome.capped, outcome.capped_elapsed = True, elapsed
        outcome.notes.append(f"capped: no answer within {cap:.0f} s")
        _restart(state)
    elif isinstance(exc, NotAvailable):
        outcome.unavailable = str(exc)
    elif isinstance(exc, (HttpError, OSError)):
        outcome.unavailable = f"error: {exc}"
    else:
        raise exc
