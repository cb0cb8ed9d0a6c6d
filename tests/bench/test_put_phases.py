"""``python -m bench.put_phases``: the phases of a PUT add up to the whole request, every
timed function is found in this tree, and the PUTs it measures are answered 201."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import put_phases


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("put-phases") / "data"
    put_phases.fill(folder, 20)
    return put_phases.measure(folder, 6, put_phases.Timers())


def test_the_phases_add_up_to_the_whole_put(measured: dict[str, object]) -> None:
    phases = measured["phases"]
    assert isinstance(phases, dict)
    # within 1 %: the whole is timed around the timers of the outermost phase
    assert sum(ms for ms, _ in phases.values()) == pytest.approx(measured["mean_ms"], rel=0.01)


def test_every_phase_has_its_functions_and_none_is_left_unassigned(
        measured: dict[str, object]) -> None:
    phases = measured["phases"]
    assert isinstance(phases, dict)
    assert not [group for group in phases if group.startswith("(unassigned)")]
    assert all(phases[group][0] > 0 for group, _ in put_phases.PHASES)


def test_each_measured_put_stores_a_new_card_in_three_reads_and_one_write(
        measured: dict[str, object]) -> None:
    assert measured["statuses"] == {"201 Created": 26}
    assert (measured["read_transactions"], measured["write_transactions"]) == (3, 1)


def test_a_missing_function_is_reported_not_timed(tmp_path: Path) -> None:
    assert not put_phases.Timers().wrap("cms_dav.store.store:Store.no_such_method", "x")


def test_the_timed_functions_are_put_back_afterwards(measured: dict[str, object]) -> None:
    from cms_dav.store.store import Store
    assert not hasattr(Store.put_item, "__wrapped__")
