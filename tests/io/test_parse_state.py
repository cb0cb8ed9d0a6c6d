"""The parse snapshot (cms_dav/io/parse_state.py) built in one list instead of nested
generators with a ``repr`` per line (issue 19, round ten: two snapshots per PUT): it
sees every change the former snapshot saw, and on the corpus sanitized by Radicale it
gives the former verdicts."""

from __future__ import annotations

import logging
from typing import Any, Callable, Iterator

import pytest
import vobject.base
from radicale import item as radicale_item

from cms_dav.io import freebusy_ranges, vobject_values
from cms_dav.io.parse_state import same_state, state
from tests.store.corpus_objects import corpus_objects


def _former_walk(component: Any) -> Iterator[Any]:
    for name, entries in component.contents.items():
        yield name
        yield len(entries)
        for entry in entries:
            yield entry
            if isinstance(entry, vobject.base.Component):
                yield from _former_walk(entry)
                continue
            yield entry.value
            if isinstance(entry.value, list):
                yield len(entry.value)
                yield from entry.value
            yield repr(sorted((key, list(values)) for key, values in entry.params.items()))
            yield repr((entry.group, entry.name, entry.isNative, entry.encoded))


def _former_state(components: list[Any]) -> list[Any]:
    """The snapshot as it was before round ten (the oracle)."""
    return [len(components), *(x for c in components for x in (c, *_former_walk(c)))]


CARD = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u1\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\n"
        "item1.EMAIL;TYPE=INTERNET,WORK:ann@example.com\r\nTEL;TYPE=CELL:+48 600 100 200\r\n"
        "CATEGORIES:a,b\r\nEND:VCARD\r\n")


def _line(card: Any, name: str) -> Any:
    return card.contents[name][0]


def _set(attribute: str, value: Any) -> Callable[[Any], None]:
    return lambda card: setattr(_line(card, "email"), attribute, value)


MUTATIONS: dict[str, Callable[[Any], None]] = {
    "value": _set("value", "other@example.com"),
    "group": _set("group", "item2"),
    "no group": _set("group", None),
    "name": _set("name", "X-EMAIL"),
    "isNative": _set("isNative", True),
    "encoded": _set("encoded", True),
    "param value appended": lambda c: _line(c, "email").params["TYPE"].append("HOME"),
    "param value replaced": lambda c: _line(c, "email").params.__setitem__("TYPE", ["HOME"]),
    "param added": lambda c: _line(c, "tel").params.__setitem__("PREF", ["1"]),
    "param removed": lambda c: _line(c, "tel").params.pop("TYPE"),
    "list value element": lambda c: _line(c, "categories").value.__setitem__(0, "z"),
    "list value appended": lambda c: _line(c, "categories").value.append("z"),
    "line added": lambda c: c.add("note"),
    "line removed": lambda c: c.contents.pop("tel"),
    "line replaced": lambda c: c.contents.__setitem__(
        "fn", [vobject.base.ContentLine("FN", [], "Ann Lee")]),
}


@pytest.mark.parametrize("mutate", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_a_change_after_the_snapshot_is_seen_as_the_former_snapshot_saw_it(
        mutate: Callable[[Any], None]) -> None:
    card, = radicale_item.read_components(CARD)
    before, former = state([card]), _former_state([card])
    mutate(card)
    assert not same_state(former, _former_state([card]))
    assert not same_state(before, state([card]))


def test_an_untouched_tree_is_the_same() -> None:
    card, = radicale_item.read_components(CARD)
    before = state([card])
    assert same_state(before, state([card]))


def test_radicales_sanitizing_of_the_corpus_gets_the_former_verdicts() -> None:
    vobject_values.install()
    freebusy_ranges.install()
    verdicts: dict[str, tuple[bool, bool]] = {}
    logging.disable(logging.CRITICAL)
    try:
        for item in corpus_objects():
            try:
                text = item.body.decode("utf-8")
                components = radicale_item.read_components(text)
            except Exception:  # noqa: BLE001 - refused by Radicale's parse: no verdict
                continue
            before, former = state(components), _former_state(components)
            try:
                radicale_item.check_and_sanitize_items(
                    components, tag="VADDRESSBOOK" if item.card else "VCALENDAR",
                    max_vevent_rrule_occurrence=10_000)
            except Exception:  # noqa: BLE001 - a refusal: the verdict still counts
                pass
            verdicts[item.id] = (same_state(before, state(components)),
                                 same_state(former, _former_state(components)))
    finally:
        logging.disable(logging.NOTSET)
    assert len(verdicts) > 100
    assert [name for name, (new, old) in verdicts.items() if new != old] == []
    assert any(new for new, _ in verdicts.values())
    assert not all(new for new, _ in verdicts.values())
