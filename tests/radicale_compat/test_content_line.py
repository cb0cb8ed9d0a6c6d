"""vobject's content-line attribute writes go where vobject's own ``__setattr__`` puts
them (issue 19, putpath): Radicale's parse, check and serialization of every corpus
object and of bench cards leave the same lines and the same text with either method;
a parameter name or a subclass's property still goes through vobject's dispatch."""

from __future__ import annotations

import re
from typing import Any, Callable, Iterator

import pytest
import vobject.base
from radicale import item as radicale_item
from vobject.base import ContentLine

from bench import data
from cms_dav import radicale_compat
from cms_dav.radicale_compat import content_line
from tests.store.corpus_objects import corpus_objects


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[..., None]], None]:
    def use(method: Callable[..., None]) -> None:
        monkeypatch.setattr(ContentLine, "__setattr__", method)
    return use


_STAMP = re.compile(r"^DTSTAMP[:;][^\r\n]*", re.MULTILINE)
_REPR_STAMP = re.compile(r"<DTSTAMP\{[^}]*\}[^>]*>")


def _lines(component: Any) -> Iterator[Any]:
    for child in component.getChildren():
        if isinstance(child, ContentLine):
            yield child
        else:
            yield from _lines(child)


def _radicale_prepares(text: str, tag: str) -> tuple[str, list[dict[str, Any]]] | str:
    """What Radicale makes of one uploaded object: the serialization and every line's
    attributes, or the refusal."""
    try:
        components = radicale_item.read_components(text)
        radicale_item.check_and_sanitize_items(
            components, max_vevent_rrule_occurrence=100, is_collection=False, tag=tag)
        item = radicale_item.Item(collection_path="alice/book", vobject_item=components[0])
        item.prepare()
    except Exception as exc:  # noqa: BLE001 - a refusal is an answer to compare
        return _REPR_STAMP.sub("<DTSTAMP *>", f"{type(exc).__name__}: {exc}")
    # the DTSTAMP Radicale adds is the clock's: masked
    return _STAMP.sub("DTSTAMP:*", item.serialize()), [
        vars(line) | ({"value": "*"} if line.name == "DTSTAMP" else {})
        for line in _lines(item.vobject_item)]


def _uploads() -> list[tuple[str, str]]:
    found = [(obj.body.decode("utf-8", "replace"), "VADDRESSBOOK" if obj.card else "VCALENDAR")
             for obj in corpus_objects()]
    return found + [(data.make_card(i, 7).decode(), "VADDRESSBOOK") for i in range(40)]


def test_radicale_prepares_every_corpus_object_and_bench_card_as_with_vobjects_writes(
        writes: Callable[[Callable[..., None]], None]) -> None:
    uploads = _uploads()
    writes(content_line.ORIGINAL)
    theirs = [_radicale_prepares(text, tag) for text, tag in uploads]
    writes(content_line.set_attribute)
    ours = [_radicale_prepares(text, tag) for text, tag in uploads]
    assert ours == theirs


def test_a_parameter_name_still_becomes_a_parameter(
        writes: Callable[[Callable[..., None]], None]) -> None:
    writes(content_line.set_attribute)
    line = ContentLine("TEL", [], "+1 555 0100")
    line.type_param = "WORK"
    line.x_label_paramlist = ["a", "b"]
    assert line.params == {"TYPE": ["WORK"], "X-LABEL": ["a", "b"]}


def test_a_subclass_property_of_a_plain_name_still_gets_the_write(
        writes: Callable[[Callable[..., None]], None]) -> None:
    writes(content_line.set_attribute)
    seen: list[Any] = []

    class Watched(ContentLine):
        @property
        def value(self) -> Any:
            return seen[-1] if seen else None

        @value.setter
        def value(self, new: Any) -> None:
            seen.append(new)

    line = Watched("NOTE", [], "first")
    line.value = "second"
    assert seen == ["first", "second"]


def test_the_writes_are_installed_by_the_storage_plugin() -> None:
    import cms_dav_plugins.storage  # noqa: F401 - installs them on import
    assert vobject.base.ContentLine.__setattr__ is content_line.set_attribute


def test_a_plain_name_made_a_property_is_a_named_mismatch(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ContentLine, "isNative", property(lambda self: False), raising=False)
    assert any(m.startswith("vobject.base.ContentLine.isNative is now a property; "
                            "cms_dav's content-line attribute writes")
               for m in radicale_compat.mismatches())
