"""The upload watch (plugins/cms_dav_plugins/upload_watch.py) says "Radicale's sanitizing
left the parse unchanged" exactly when it did: checked against the test's own oracle
(the parsed values of a second, unsanitized parse) on every corpus object Radicale
accepts, with its line endings as sent, as LF and as CRLF, and on uploads Radicale's
sanitizing changes. In-process: the property is about which code decides, not about HTTP
(the HTTP behaviour is covered by test_lossless_put and test_lossless_corpus)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
import vobject.base
from radicale import item as radicale_item

from cms_dav import request_context
from cms_dav.io import freebusy_ranges, vobject_values
from cms_dav_plugins import upload_watch
from tests.store.corpus_objects import corpus_objects
from tests.store.record_radicale_decisions import DECISIONS


@pytest.fixture(scope="module", autouse=True)
def installed() -> None:
    vobject_values.install()
    freebusy_ranges.install()
    upload_watch.install()


def _values(component: Any) -> Any:
    """The parsed values of a tree, compared by value (the test's own oracle)."""
    return [(name, [(_values(entry) if isinstance(entry, vobject.base.Component) else
                     (entry.group, sorted(entry.params.items()), repr(entry.value)))
                    for entry in entries])
            for name, entries in component.contents.items()]


def _put(text: str, tag: str) -> tuple[bool, bool] | None:
    """Radicale's PUT steps for ``text`` inside a request: (the watch says sanitizing
    left the parse unchanged, the parsed values are those of a second, unsanitized
    parse); None when Radicale refuses the text."""
    context = request_context.RequestContext(upload_text=text)
    try:
        second = radicale_item.read_components(text)
        with request_context.made_current(context):
            components = radicale_item.read_components(text)
            radicale_item.check_and_sanitize_items(components, tag=tag,
                                                   max_vevent_rrule_occurrence=10_000)
            same_values = [_values(c) for c in components] == [_values(c) for c in second]
            item = radicale_item.Item(collection_path="alice/c", vobject_item=components[0])
            item.prepare()
    except Exception:  # noqa: BLE001 - a refusal; nothing to compare
        return None
    watch = context.upload_parse
    unchanged = isinstance(watch, upload_watch.UploadParse) and \
        watch.unchanged_object_of(text, item.vobject_item)
    return unchanged, same_values


def _bodies() -> list[tuple[str, str, str]]:
    accepted = {k for k, v in json.loads(DECISIONS.read_text())["decisions"].items()
                if v["accepted"]}
    found = []
    for item in corpus_objects():
        if item.id not in accepted:
            continue
        try:
            text = item.body.decode("utf-8")
        except UnicodeDecodeError:
            text = item.body.decode("iso8859-1")
        tag = "VADDRESSBOOK" if item.card else "VCALENDAR"
        lf = text.replace("\r\n", "\n")
        found += [(item.id, text, tag), (item.id + "-lf", lf, tag),
                  (item.id + "-crlf", lf.replace("\n", "\r\n"), tag)]
    return found


def test_the_watch_sees_a_change_exactly_when_sanitizing_changed_a_value_on_the_corpus():
    logging.disable(logging.CRITICAL)
    try:
        outcomes = {name: _put(text, tag) for name, text, tag in _bodies()}
    finally:
        logging.disable(logging.NOTSET)
    decided = {name: put for name, put in outcomes.items() if put is not None}
    assert [name for name, (unchanged, same) in decided.items() if unchanged != same] == []
    assert any(unchanged for unchanged, _ in decided.values())


@pytest.mark.parametrize("change", [
    "DURATION:PT0S", "EXDATE;VALUE=DATE:20261202", "EXDATE:20261202T100000"],
    ids=["zero-duration-dropped", "date-exdate-retyped", "floating-exdate-given-utc"])
def test_a_sanitized_upload_is_seen_as_changed(change: str):
    put = _put(_event(change), "VCALENDAR")
    assert put == (False, False)


def test_an_upload_radicale_leaves_alone_is_seen_as_unchanged():
    assert _put(_event("EXDATE:20261202T100000Z"), "VCALENDAR") == (True, True)


def _event(line: str) -> str:
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
            "UID:w1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20261201T100000Z\r\n"
            f"DTEND:20261201T110000Z\r\nRRULE:FREQ=DAILY;COUNT=3\r\n{line}\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n")
