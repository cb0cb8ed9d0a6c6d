"""``cms-dav import`` writes in batches (``importer.BATCH`` objects per transaction):
what it promises when a row is refused, and when the import stops half-way."""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Iterator
from typing import Any
from pathlib import Path

import pytest
import vobject
from radicale.item import read_components

from cms_dav.app import App, build_app
from cms_dav.config import load_settings
from cms_dav.io import importer
from cms_dav.io.import_sources import Candidate, Source, read_source
from cms_dav.io.importer import import_source
from cms_dav.io.parse_state import same_state, state
from cms_dav.io.stored_items import prepared_upload
from tests.io.people import generate_people
from tests.io.tables import csv_bytes

BOOK = "alice/contacts"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    with build_app(load_settings(tmp_path / "var")) as built:
        built.store.ensure_folder("alice", "admin")
        built.store.replace_collection(BOOK, {"tag": "VADDRESSBOOK"}, [], "admin")
        yield built


def _card(number: int) -> str:
    return (f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:person-{number}\r\nFN:Person {number}\r\n"
            f"N:{number};Person;;;\r\nEMAIL:p{number}@example.com\r\nEND:VCARD\r\n")


def _source(count: int, bad: int | None = None) -> Source:
    rows = [Candidate(n, "row", text="BEGIN:VCARD\r\nEND:VCARD\r\n" if n == bad else _card(n))
            for n in range(1, count + 1)]
    return Source("vcf", "VADDRESSBOOK", "", rows)


def _stored(app: App) -> set[str]:
    collection = app.store.collection(BOOK)
    assert collection is not None
    return {item.href for item in app.store.all_items(collection.id, with_text=False)}


def test_the_row_after_a_full_batch_is_stored(app: App) -> None:
    report = import_source(app.store, BOOK, _source(importer.BATCH + 1), actor="alice")
    assert report.created == importer.BATCH + 1
    assert f"person-{importer.BATCH + 1}.vcf" in _stored(app)


def test_a_refused_row_in_the_second_batch_keeps_both_batches_other_rows(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "BATCH", 3)
    report = import_source(app.store, BOOK, _source(7, bad=5), actor="alice")
    assert [r.number for r in report.rejected] == [5]
    assert _stored(app) == {f"person-{n}.vcf" for n in (1, 2, 3, 4, 6, 7)}


def test_an_import_stopped_in_its_second_batch_keeps_the_first_batch_whole(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "BATCH", 3)
    done = []

    def progress(step: int) -> None:
        done.append(step)
        if len(done) == 5:  # the second row of the second batch
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_source(app.store, BOOK, _source(7), actor="alice", progress=progress)
    assert _stored(app) == {f"person-{n}.vcf" for n in (1, 2, 3)}


def test_a_card_sanitizing_leaves_alone_is_parsed_once() -> None:
    item, unchanged = prepared_upload(_card(1), "VADDRESSBOOK", BOOK)
    assert unchanged and item.uid == "person-1"


def test_a_tree_changed_after_its_snapshot_is_not_the_same() -> None:
    card, = read_components(_card(1))
    before = state([card])
    card.add("note").value = "added by a sanitizer"
    assert not same_state(before, state([card]))


def test_regression_import_copied_every_href_per_row(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each new row's name was checked against ``set(all hrefs so far)``: a copy per
    row, quadratic in the file (most of a 100k-row import's time). The names in use are
    now passed as a live view, which keeps showing the rows stored after it."""
    seen: list[Any] = []
    real = importer.new_href

    def recording(uid: str, tag: str, taken: Any) -> str:
        seen.append(taken)
        return real(uid, tag, taken)

    monkeypatch.setattr(importer, "new_href", recording)
    import_source(app.store, BOOK, _source(4), actor="alice")
    assert len(seen) == 4 and len(seen[0]) == 4  # the first row's view shows all four


class _ParseSeen:
    """A write hook noting, per href written, whether the write came with its parse."""

    def __init__(self) -> None:
        self.trees: dict[str, Any] = {}

    def item_written(self, conn: Any, collection: Any, new: Any, old: Any) -> None:
        self.trees[new.href] = new.parsed.of(new.text) if new.parsed else None

    def item_deleted(self, conn: Any, collection: Any, old: Any) -> None:
        pass


def test_an_imported_card_reaches_the_write_hooks_with_its_parse(app: App) -> None:
    """Issue 19: as a PUT does, the import hands Radicale's parse of a card it stores
    as sent to the write hooks (the search index read each card a second time), and
    the parse is of the stored text: what ``vobject.readOne`` makes of it."""
    seen = _ParseSeen()
    store = dataclasses.replace(app.store, write_hooks=(*app.store.write_hooks, seen))
    import_source(store, BOOK, _source(2), actor="alice")
    assert set(seen.trees) == {"person-1.vcf", "person-2.vcf"}
    tree = seen.trees["person-1.vcf"]
    assert tree is not None
    assert tree.serialize() == vobject.readOne(_card(1)).serialize()


def test_an_imported_card_read_unlike_stored_reaches_the_hooks_without_a_parse(
        app: App) -> None:
    """A parse is handed along only when it is what a reader of the stored text gets: a
    quoted-printable value is read unlike stored (``stored_items._READ_UNLIKE_STORED``)."""
    card = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:qp-1\r\nFN:QP\r\n"
            "NOTE;ENCODING=QUOTED-PRINTABLE:caf=C3=A9\r\nEND:VCARD\r\n")
    seen = _ParseSeen()
    store = dataclasses.replace(app.store, write_hooks=(*app.store.write_hooks, seen))
    report = import_source(store, BOOK, Source("vcf", "VADDRESSBOOK", "",
                                               [Candidate(1, "card", text=card)]),
                           actor="alice")
    assert report.created == 1
    assert seen.trees == {"qp-1.vcf": None}


def test_an_import_holds_the_parse_trees_of_its_open_batch_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A written row's parse tree is let go with its batch, however long the file."""
    monkeypatch.setattr(importer, "BATCH", 10)
    held: list[int] = []

    def progress(step: int) -> None:
        gc.collect()
        held.append(sum(1 for o in gc.get_objects() if isinstance(o, vobject.base.Component)))

    with build_app(load_settings(tmp_path / "data")) as app:
        app.store.ensure_folder("alice", "admin")
        app.store.replace_collection("alice/contacts", {"tag": "VADDRESSBOOK"}, [], "admin")
        source = read_source(csv_bytes(generate_people(120, seed=3), "utf-8"), "csv",
                             filename="people.csv")
        report = importer.import_source(app.store, "alice/contacts", source, actor="alice",
                                        progress=progress)
    assert report.created == 120
    assert max(held) <= 2 * 10
