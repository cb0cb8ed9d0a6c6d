"""cms_dav.io.vobject_fold: vobject's line folding, replaced by a function that writes the
same text for every line (a differential test against vobject's own; the corpus
serializations are compared in test_vobject_text.py)."""

from __future__ import annotations

import io
import itertools
from typing import Any

import pytest
import vobject.base
import vobject.icalendar

from cms_dav.io import vobject_fold

#: one-, two-, three- and four-octet characters (UTF-8) and a lone surrogate
CHARACTERS = "aé€😀"
SURROGATE = "\udc80"


def _written(function: Any, line: Any, length: int = 75) -> tuple[str, Any]:
    buffer = io.StringIO()
    try:
        function(buffer, line, length)
    except Exception as exc:  # noqa: BLE001 - the error is part of the answer
        return "raised", (type(exc), str(exc))
    return "wrote", buffer.getvalue()


@pytest.mark.parametrize("length", [2, 3, 75])
def test_every_mix_of_character_widths_folds_where_vobject_folds_it(length: int) -> None:
    for count in range(0, 7):
        for chars in itertools.product(CHARACTERS, repeat=count):
            line = "".join(chars) * (1 + 2 * length // 8)
            assert _written(vobject_fold.fold_one_line, line, length) == \
                _written(vobject_fold.ORIGINAL, line, length), line


@pytest.mark.parametrize("size", [0, 1, 73, 74, 75, 76, 148, 149, 150, 500])
@pytest.mark.parametrize("char", list(CHARACTERS))
def test_lines_around_the_fold_are_written_as_vobject_writes_them(size: int, char: str
                                                                  ) -> None:
    for line in (char * size, "NOTE:" + char * size, char * size + "x"):
        assert _written(vobject_fold.fold_one_line, line) == \
            _written(vobject_fold.ORIGINAL, line)


@pytest.mark.parametrize("line", ["N:" + SURROGATE, "NOTE:" + "é" * 80 + SURROGATE,
                                  "NOTE:" + "a" * 80 + SURROGATE])
def test_a_lone_surrogate_is_written_or_refused_as_vobject_does(line: str) -> None:
    assert _written(vobject_fold.fold_one_line, line) == \
        _written(vobject_fold.ORIGINAL, line)


@pytest.mark.parametrize("line", ["NOTE:short", "NOTE:" + "é" * 80])
def test_a_bytes_buffer_is_left_to_vobjects_own_function(line: str) -> None:
    def written(function: Any) -> tuple[str, Any]:
        buffer = io.BytesIO()
        try:
            function(buffer, line)
        except TypeError as exc:  # vobject writes text into it past a fold
            return "raised", str(exc)
        return "wrote", buffer.getvalue()
    assert written(vobject_fold.fold_one_line) == written(vobject_fold.ORIGINAL)


def test_install_replaces_the_name_in_both_vobject_modules() -> None:
    vobject_fold.install()
    assert vobject.base.foldOneLine is vobject_fold.fold_one_line
    assert vobject.icalendar.foldOneLine is vobject_fold.fold_one_line

