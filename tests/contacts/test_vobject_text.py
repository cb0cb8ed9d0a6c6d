"""``first_text_value`` reads a text value as vobject's default vCard text behaviour
does (``stringToTextValues(value)[0]``, issue 19 putpath)."""

from __future__ import annotations

import itertools
import random

from vobject.icalendar import stringToTextValues

from cms_dav.contacts.vobject_text import first_text_value

#: every character vobject's state machine treats apart, and two it does not
ALPHABET = ["a", "\\", ",", ";", "n", "N", '"', ":", "é"]


def test_first_text_value_is_vobject_s_on_every_string_of_up_to_five_characters() -> None:
    for length in range(6):
        for chars in itertools.product(ALPHABET, repeat=length):
            raw = "".join(chars)
            assert first_text_value(raw) == stringToTextValues(raw)[0], repr(raw)


def test_first_text_value_is_vobject_s_on_long_random_notes() -> None:
    pieces = [*ALPHABET, "\\n", "\\\\", "\\,", "\\x", "word ", "\u2028", "\t", "😀",
              "=== block ==="]
    draw = random.Random(19)
    for _ in range(3000):
        raw = "".join(draw.choice(pieces) for _ in range(draw.randrange(40)))
        assert first_text_value(raw) == stringToTextValues(raw)[0], repr(raw)


def test_a_backslash_ending_the_value_reads_as_vobject_reads_it() -> None:
    assert first_text_value("tail\\") == "tail\\eof"
