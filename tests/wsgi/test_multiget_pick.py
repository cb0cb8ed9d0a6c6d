"""The fast multiget's scan picks, page by page, the rows a request names and then lists
the names no row had (:class:`NamePicker`), exactly as the set of wanted names it
replaces (:func:`picked_by_set`, the code before issue 19's round six) did: the same
rows from each page, the same names missing, in the request's order, whatever order
the names come in and whether or not every one has an item."""

from __future__ import annotations

import random
from typing import Sequence

import pytest

from cms_dav.wsgi.fast_multiget import NamePicker

ITEMS = [f"card-{n:03d}.vcf" for n in range(23)]


def pages_of(hrefs: list[str], size: int) -> list[list[tuple[str, str]]]:
    """The scan: rows (href, etag) in the order given, ``size`` per page (a short or
    empty page ends it, as ``listing.raw_page`` does)."""
    rows = [(href, f'"{href}"') for href in hrefs]
    pages = [rows[start:start + size] for start in range(0, len(rows), size)]
    if not pages or len(pages[-1]) == size:
        pages.append([])
    return pages


def picked_by_set(names: list[str], pages: list[list[tuple[str, str]]], size: int
                  ) -> tuple[list[list[tuple[str, str]]], list[str]]:
    """The rows per page and the missing names as the set-based scan chose them."""
    wanted = set(names)
    picked = []
    for page in pages:
        if not wanted:
            break
        picked.append([row for row in page if row[0] in wanted])
        wanted.difference_update(row[0] for row in page)
        if len(page) < size:
            break
    return picked, [name for name in names if name in wanted]


def picked_by_picker(names: Sequence[str], pages: list[list[tuple[str, str]]], size: int,
                     with_set: bool = False
                     ) -> tuple[list[list[tuple[str, str]]], list[str]]:
    """``with_set``: the picker is given the names' set, as the request's parse gives
    it (it then starts its own set from a copy)."""
    picker = NamePicker(names, frozenset(names) if with_set else None)
    picked = []
    for page in pages:
        if not picker.wanting:
            break
        picked.append(list(picker.pick(page)))
        if len(page) < size:
            break
    return picked, list(picker.missing())


CASES = {
    "every item, in href order": ITEMS,
    "every item, in reverse order": ITEMS[::-1],
    "every item, shuffled": random.Random(1).sample(ITEMS, len(ITEMS)),
    "every other item, in order": ITEMS[::2],
    "a name with no item first": ["a-gone.vcf"] + ITEMS,
    "a name with no item in the middle": ITEMS[:9] + ["card-008x.vcf"] + ITEMS[9:],
    "a name with no item last": ITEMS + ["z-gone.vcf"],
    "only names with no item": ["a.vcf", "b.vcf"],
    "no names": [],
    "the first page only": ITEMS[:5],
    "all but the last item": ITEMS[:-1],
    "a name twice": ITEMS[:4] + ITEMS[3:],
    "a name twice, not adjacent": ITEMS + ITEMS[:1],
}


@pytest.mark.parametrize("with_set", [False, True])
@pytest.mark.parametrize("size", [1, 5, 23, 100])
@pytest.mark.parametrize("case", list(CASES))
def test_the_picker_picks_what_the_set_of_names_picked(case, size, with_set):
    names = CASES[case]
    pages = pages_of(ITEMS, size)
    assert picked_by_picker(names, pages, size, with_set) == \
        picked_by_set(names, pages, size)


@pytest.mark.parametrize("with_set", [False, True])
@pytest.mark.parametrize("size", [1, 4, 23])
def test_a_scan_in_another_order_than_the_names_is_picked_as_by_set(size, with_set):
    """PostgreSQL may order hrefs by a collation other than code point order (given
    the names' set, the picker's set is that set less the names answered in order)."""
    scan = sorted(ITEMS + ["Card-x.vcf", "card_y.vcf"], key=str.lower)
    names = sorted(scan)
    assert names != scan
    pages = pages_of(scan, size)
    assert picked_by_picker(names, pages, size, with_set) == \
        picked_by_set(names, pages, size)


def test_random_requests_are_picked_as_by_set():
    chance = random.Random(19)
    pool = ITEMS + ["x.vcf", "a.vcf", "Card-q.vcf", "card_r.vcf"]
    for _ in range(2000):
        items = chance.sample(pool, chance.randint(0, len(pool)))
        items.sort(key=str.lower if chance.random() < 0.2 else None)
        names = chance.sample(pool, chance.randint(0, 16))
        if chance.random() < 0.7:
            names.sort()
        size = chance.randint(1, 8)
        pages = pages_of(items, size)
        with_set = chance.random() < 0.5
        assert picked_by_picker(names, pages, size, with_set) == \
            picked_by_set(names, pages, size), (items, names, size, with_set)


def test_a_name_with_no_item_does_not_end_the_pick_in_order():
    """The pages after a name with no item (a card deleted since the sync that listed
    it) are still picked by the names' order, not by a set of names."""
    names = ITEMS[:7] + ["card-006x.vcf"] + ITEMS[7:]
    picker = NamePicker(names)
    for page in pages_of(ITEMS, 5):
        picker.pick(page)
    assert picker.wanted is None
    assert list(picker.missing()) == ["card-006x.vcf"]


def test_names_given_as_a_tuple_are_picked_as_a_list():
    pages = pages_of(ITEMS, 5)
    assert picked_by_picker(tuple(ITEMS), pages, 5) == picked_by_set(ITEMS, pages, 5)


def test_an_item_scanned_twice_is_picked_once_and_the_rest_still_picked():
    """A card deleted and written again during the scan (a new row id the scan reaches
    too) comes in a second page: picking by set answers it once, and that page's other
    rows, still wanted, are picked (the set is left as it was before the page)."""
    names = list(reversed(ITEMS))  # not ascending: picked by set from the start
    scan = ITEMS[:10] + [ITEMS[3]] + ITEMS[10:]
    pages = pages_of(scan, 5)
    assert picked_by_picker(names, pages, 5) == picked_by_set(names, pages, 5)
    assert sum(len(page) for page in picked_by_picker(names, pages, 5)[0]) == len(ITEMS)
