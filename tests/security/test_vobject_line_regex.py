"""The upload scan's content-line check (``object_check._vobject_line_ok``) is one
possessive regex (issue 19); it accepts exactly the lines the former walk over the
line accepted, and exactly those vobject's own ``patterns['line']`` parses, so every
PUT is refused (or let through) as before, with the same first unreadable line. A text
without folds skips the unfolding walk: its lines are the physical ones, and the first
unreadable line found is the same."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vobject.base import patterns

from cms_dav.io import object_check
from cms_dav.io.object_check import _vobject_line_ok, unreadable_line
from cms_dav.limits.vobject_lines import logical_lines

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
_NAME = re.compile(r"[a-zA-Z0-9_-]+")
_UNQUOTED = re.compile(r'[^";:,]*')
#: vobject's content-line regex as vobject compiles it (only for short lines: it backtracks)
VOBJECT_LINE = re.compile(patterns["line"], re.VERBOSE)


def walk(line: str) -> bool:
    """The check as it was before the regex: a greedy walk, token by token."""
    match = _NAME.match(line)
    if match is None:
        return False
    pos = match.end()
    if line.startswith(".", pos):
        match = _NAME.match(line, pos + 1)
        if match is None:
            return False
        pos = match.end()
    if line.startswith(";", pos) and line[pos + 1:pos + 2] in (";", ":"):
        pos += 1
    while not line.startswith(":", pos):
        if not line.startswith(";", pos):
            return False
        match = _NAME.match(line, pos + 1)
        if match is None:
            return False
        pos = match.end()
        while line[pos:pos + 1] in ("=", ","):
            pos += 1
            if line.startswith('"', pos):
                end = line.find('"', pos + 1)
                if end < 0:
                    return False
                pos = end + 1
            else:
                pos = _UNQUOTED.match(line, pos).end()  # type: ignore[union-attr]
    return True


#: lines made of the grammar's tokens (names, separators, quotes) and of characters
#: it must refuse, so near misses are common
TOKENS = ["a", "Z9", "_", "-", "TEL", ".", ";", ":", "=", ",", '"', "x y", "ß", "\t",
          "\u3000", "\r", "\n"]
GRAMMAR = st.one_of(st.lists(st.sampled_from(TOKENS), max_size=16).map("".join),
                    st.text(alphabet='aZ9_-.;:=,"x ß\t\u3000\r\n', max_size=40))


@settings(max_examples=3000, deadline=None)
@given(GRAMMAR)
def test_the_regex_accepts_what_the_walk_accepted(line: str) -> None:
    assert _vobject_line_ok(line) is walk(line)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(TOKENS[:-3]), max_size=9).map("".join))
def test_the_regex_accepts_what_vobject_parses(line: str) -> None:
    assert _vobject_line_ok(line) is (VOBJECT_LINE.match(line) is not None)


def _corpus_texts() -> list[str]:
    assert CORPUS.is_dir(), f"the shared corpus is missing: {CORPUS} (shared/ beside the checkout)"
    return [path.read_bytes().decode("utf-8", "replace")
            for path in sorted(CORPUS.glob("*/*")) if path.suffix in (".vcf", ".ics")]


def test_every_corpus_line_and_its_prefixes_get_the_walks_verdict() -> None:
    """Each logical line of the third-party corpus, and each of its first 120
    prefixes (a cut line is the usual near miss: no colon, an open quote)."""
    checked = 0
    for text in _corpus_texts():
        for line, _number in logical_lines(text):
            for end in range(min(len(line), 120) + 1):
                assert _vobject_line_ok(line[:end]) is walk(line[:end]), line[:end]
                checked += 1
    assert checked > 10_000


def test_the_corpus_gets_the_same_first_unreadable_line(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """``unreadable_line`` (the rejection layer's refusal) on every corpus object, and on
    each with a line cut after its first ';' or '"': the same Problem as with the walk."""
    texts = _corpus_texts()
    texts += [re.sub(r'(?m)^([^\r\n;"]*[;"])[^\r\n]*', r"\1", text, count=3)
              for text in texts]
    new = [unreadable_line(text) for text in texts]
    monkeypatch.setattr(object_check, "_vobject_line_ok", walk)
    assert new == [unreadable_line(text) for text in texts]
    assert any(problem is not None for problem in new)


def test_a_long_parameter_soup_is_refused_in_one_pass() -> None:
    """200 KB of ``;TYPE=A,B,,`` without a colon: vobject's regex would run for ages;
    the possessive regex gives nothing back, so it answers at once (the test would
    hang, not fail, if it did not)."""
    soup = "TEL" + ';TYPE=WORK,"HOME",,' * 10_000
    assert not _vobject_line_ok(soup)
    assert _vobject_line_ok(soup + ":1")


def unreadable_line_by_unfolding(text: str) -> object_check.Problem | None:
    """``unreadable_line`` as it was before its no-fold path: every text unfolded by
    ``logical_lines`` (texts without quoted-printable; with it the path is unchanged)."""
    cleaned = re.sub(r"(?m)^[ \t]*\r?\n", "", object_check._RADICALE_STRIPPED.sub("", text))
    assert object_check._QUOTED_PRINTABLE.search(cleaned) is None
    for line, _number in logical_lines(cleaned):
        if not walk(line):
            first = line.splitlines()[0] if line else line
            at = text.find(first[:40]) if first else -1
            number = text.count("\n", 0, at) + 1 if at >= 0 else None
            return object_check.Problem(number, "not a 'NAME;PARAM=value:value' content "
                                                f"line: {object_check._short(first)}")
    return None


#: pieces of an upload: content lines good and bad, line ends, folds, blank lines
PIECES = ["BEGIN:VCARD", "FN:A", "TEL;TYPE=CELL:1", 'X;A="b:c":d', "item1.EMAIL:x",
          "bad line", ";TYPE=A", "NOTE", ":", "\r\n", "\n", "\r", "\r\n ", "\n\t", " ",
          "\t", "\x01", "", "ß", "END:VCARD"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=24).map("".join))
def test_texts_with_and_without_folds_get_the_same_first_unreadable_line(text: str
                                                                          ) -> None:
    assert unreadable_line(text) == unreadable_line_by_unfolding(text)


def test_the_corpus_without_quoted_printable_gets_the_unfolding_verdict() -> None:
    texts = [text for text in _corpus_texts()
             if object_check._QUOTED_PRINTABLE.search(text) is None]
    texts += [re.sub(r'(?m)^([^\r\n;"]*[;"])[^\r\n]*', r"\1", text, count=3)
              for text in texts]
    assert len(texts) > 700
    for text in texts:
        assert unreadable_line(text) == unreadable_line_by_unfolding(text)
