"""bench.put_tail names the first matching cause of each slow PUT."""

from __future__ import annotations

from typing import Any

from bench.put_tail import cause


def slow_put(**changes: Any) -> dict[str, Any]:
    """A PUT of 30 ms against a p50 of 10 ms (20 ms excess) with no known cause."""
    row = {"wall": 30.0, "cpu": 9.0, "runq": 0.0, "statements": 90, "commit_wall": 1.0,
           "commit_cpu": 1.0, "checkpoint_overlap": 0, "gc": []}
    return row | changes


def test_a_put_with_hundreds_of_statements_is_an_fts_merge() -> None:
    assert cause(slow_put(statements=450, runq=15.0), 10.0) == "fts merge"


def test_a_put_that_waited_for_a_core_over_half_its_excess_is_the_run_queue() -> None:
    assert cause(slow_put(runq=11.0), 10.0) == "run queue"


def test_a_commit_that_waited_over_half_the_excess_is_commit_wait() -> None:
    assert cause(slow_put(commit_wall=12.0), 10.0) == "commit wait"


def test_a_put_during_a_checkpoint_round_with_no_other_cause_is_the_checkpoint() -> None:
    assert cause(slow_put(checkpoint_overlap=1), 10.0) == "checkpoint"


def test_a_full_collection_is_named_when_nothing_else_explains_the_put() -> None:
    assert cause(slow_put(gc=[(2, 15.0)]), 10.0) == "gc gen2"


def test_a_put_with_none_of_these_is_other() -> None:
    assert cause(slow_put(runq=5.0), 10.0) == "other"
