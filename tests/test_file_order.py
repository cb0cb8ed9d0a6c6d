"""The order in which the xdist workers get the test files (tests/conftest.py): the
slow files first, so that no minutes-long file starts when the others are done."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import pytest_collection_modifyitems


@dataclass
class Stub:
    nodeid: str
    slow: bool = False

    def get_closest_marker(self, name: str) -> object | None:
        return name if name == "slow" and self.slow else None


def _order(items: list[Stub]) -> list[str]:
    pytest_collection_modifyitems(items)  # type: ignore[arg-type]
    return [item.nodeid for item in items]


def test_a_file_with_a_slow_test_goes_before_files_with_more_tests() -> None:
    items = [Stub("a.py::t1"), Stub("a.py::t2"), Stub("crash.py::t", slow=True)]
    assert _order(items) == ["crash.py::t", "a.py::t1", "a.py::t2"]


def test_the_other_files_go_by_falling_test_count_keeping_their_tests_together() -> None:
    items = [Stub("one.py::t"), Stub("two.py::a"), Stub("three.py::x"), Stub("two.py::b"),
             Stub("three.py::y"), Stub("three.py::z")]
    assert _order(items) == ["three.py::x", "three.py::y", "three.py::z", "two.py::a",
                             "two.py::b", "one.py::t"]


@pytest.mark.parametrize("first", [True, False])
def test_tests_keep_their_order_within_a_file(first: bool) -> None:
    items = [Stub("f.py::b", slow=first), Stub("f.py::a", slow=not first)]
    assert _order(items) == ["f.py::b", "f.py::a"]
