"""``--ordered-names`` of the PUT tools: cards named in write order (``bench-0000001`` ...)
instead of phones' UUIDs, for comparing the two namings (round eight, branch bulkuuid)."""

from __future__ import annotations

import re

import pytest

from bench import data


@pytest.fixture
def ordered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(data, "card_uid", data.card_uid)  # restored after the test
    data.use_ordered_names()


def test_ordered_names_sort_in_write_order(ordered: None) -> None:
    hrefs = [data.card_href(index) for index in (0, 9, 10, 123, 200_000)]
    assert hrefs == sorted(hrefs)
    assert hrefs[0] == "bench-0000000.vcf"


def test_an_ordered_card_carries_its_href_as_uid(ordered: None) -> None:
    card = data.make_card(42, 7).decode()
    assert re.search(r"^UID:bench-0000042\r?$", card, re.M)


def test_without_the_switch_names_are_uuids() -> None:
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                        data.card_uid(42))
