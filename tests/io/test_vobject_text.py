"""cms_dav.io.vobject_text: vobject's TEXT unescaping, replaced by a faster function that
returns the same values for every input (a differential test against vobject's own)."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
import vobject
import vobject.base
import vobject.icalendar
import vobject.vcard

from cms_dav.io import freebusy_ranges, vobject_fold, vobject_text, vobject_values
from tests.store.corpus_objects import corpus_objects

#: the characters the unescaping treats specially, and two it does not
ALPHABET = "\\,;nN\"a"
#: what vobject's writer adds to an event without it: a DTSTAMP of the time of writing
#: and a UID of that time and a random number
_STAMP = re.compile(r"^(DTSTAMP:\d{8}T\d{6}Z|UID:\d{8}T\d{6}Z - \d+@[^\r\n]*)", re.MULTILINE)
#: every way vobject and cms_dav call it
CALLS: list[dict[str, Any]] = [{}, {"listSeparator": ";", "charList": ";"},
                               {"listSeparator": ";"}, {"charList": ";"}]


@pytest.mark.parametrize("call", CALLS, ids=["default", "n-and-adr", "semicolon", "chars"])
def test_every_short_value_unescapes_as_vobject_unescapes_it(call: dict[str, Any]) -> None:
    for length in range(7):
        for chars in itertools.product(ALPHABET, repeat=length):
            value = "".join(chars)
            assert vobject_text.string_to_text_values(value, **call) == \
                vobject_text.ORIGINAL(value, **call), value


@pytest.mark.parametrize("value", ["Kowalski\\, Jan;Dr.", "line\\none\\Ntwo", "a\\,b,c\\;d,",
                                   "tail\\", "\\", ",", "a,,", "ünïcødé\\,ö", "\\x\\y,z",
                                   "a\r\nb,c"])
def test_real_values_unescape_as_vobject_unescapes_them(value: str) -> None:
    for call in CALLS:
        assert vobject_text.string_to_text_values(value, **call) == \
            vobject_text.ORIGINAL(value, **call)


def test_a_value_that_is_not_text_goes_to_vobjects_own_function() -> None:
    with pytest.raises(TypeError):
        vobject_text.ORIGINAL(b"a,b")
    with pytest.raises(TypeError):
        vobject_text.string_to_text_values(b"a,b")


def test_install_replaces_the_name_in_both_vobject_modules() -> None:
    vobject_text.install()
    assert vobject.icalendar.stringToTextValues is vobject_text.string_to_text_values
    assert vobject.vcard.stringToTextValues is vobject_text.string_to_text_values


def parse_and_write(body: bytes) -> tuple[str, str]:
    """The parsed values and the serialization of a file's objects (vobject's own check),
    or the error that refused them."""
    try:
        components = list(vobject.readComponents(body.decode("utf-8", "replace"),
                                                 allowQP=True))
        return (repr([_values(c) for c in components]),
                _STAMP.sub("(made when written)",
                           "".join(c.serialize() for c in components)))
    except Exception as exc:  # noqa: BLE001 - refusing is an answer to compare too
        return "refused", f"{type(exc).__name__}: {exc}"


def _values(component: Any) -> Any:
    return [(name, [(_values(entry) if isinstance(entry, vobject.base.Component) else
                     (entry.group, sorted(entry.params.items()), repr(entry.value)))
                    for entry in entries])
            for name, entries in component.contents.items()]


def test_every_corpus_object_parses_and_serializes_as_with_vobjects_own_functions(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Both replacements (this module's and cms_dav.io.vobject_fold) at once."""
    vobject_values.install()
    freebusy_ranges.install()
    objects = corpus_objects()
    assert len(objects) > 50

    def answers(unescape: Any, fold: Any) -> list[tuple[str, str]]:
        for module in (vobject.icalendar, vobject.vcard):
            monkeypatch.setattr(module, "stringToTextValues", unescape)
        for module in (vobject.base, vobject.icalendar):
            monkeypatch.setattr(module, "foldOneLine", fold)
        return [parse_and_write(item.body) for item in objects]

    original = answers(vobject_text.ORIGINAL, vobject_fold.ORIGINAL)
    assert answers(vobject_text.string_to_text_values, vobject_fold.fold_one_line) == original
    assert sum(answer[0] != "refused" for answer in original) > 50
