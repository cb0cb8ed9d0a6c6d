"""Normalizations shared by the search index and the query side.

Both sides must use the same functions, otherwise "Łukasz" indexed one way and
"lukasz" queried another way would never meet.
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import phonenumbers

# pypinyin's phrase dictionary costs ~45 MB of server memory and does not help with
# names (it has no surname readings: see SURNAME_READINGS); the character dictionary
# is enough.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")

# Letters NFKD does not decompose into base letter + accent.
_NO_DECOMPOSITION = str.maketrans({
    "ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "ŧ": "t",
    "æ": "ae", "œ": "oe", "þ": "th", "ß": "ss", "ĸ": "k", "ŋ": "n",
})
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_PHONE_CHARS = re.compile(r"[\d+]")
MIN_DIGIT_KEY = 5  # shorter digit runs would match far too many numbers


def fold(text: str) -> str:
    """Case- and accent-insensitive form: "Łukasz Wójcik" -> "lukasz wojcik"."""
    if text.isascii():
        # no ASCII character decomposes, is combining or is in the tables: the same
        # result without the per-character pass (a card's index folds ~100 values, most
        # of them ASCII: issue 19)
        return " ".join(text.lower().split())
    lowered = text.casefold().translate(_NO_DECOMPOSITION)
    decomposed = unicodedata.normalize("NFKD", lowered)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.translate(_NO_DECOMPOSITION).split())


def email_key(raw: str) -> str:
    """E-mail as indexed and compared: trimmed, lower-cased, ``mailto:`` dropped."""
    value = raw.strip()
    if value.lower().startswith("mailto:"):
        value = value[len("mailto:"):]
    return value.strip().lower()


def _digits(raw: str) -> str:
    return "".join(ch for ch in raw if ch.isdigit())


def phone_keys(raw: str, default_region: str = "") -> set[str]:
    """Keys under which a phone number is indexed and looked up (a new set each call:
    the caller may change it; made once per number and region, :func:`_phone_keys`).

    - E.164 ("+48600100200") when ``phonenumbers`` can parse the number: with a
      leading '+', an international prefix of ``default_region``, or a national
      number of ``default_region``; "00" is read as '+' when no region is set.
    - The national significant number ("600100200"), so a number typed without
      country code still meets the stored one when no region is configured.
    - If unparseable: the bare digits (and without leading zeros, i.e. trunk prefix).
    Two numbers match when their key sets intersect.
    """
    return set(_phone_keys(raw, default_region))


@lru_cache(maxsize=4096)
def _phone_keys(raw: str, default_region: str) -> frozenset[str]:
    """:func:`phone_keys`, cached and shared like :func:`parsed_phone`: an import's row
    is matched by its numbers and indexed by the same numbers (issue 19 target 5: two
    formats and checks of each parse, ~2 % of a row's read)."""
    text = raw.strip()
    if text.lower().startswith("tel:"):
        text = text[4:]
    text = text.split(";", 1)[0]  # tel: URI parameters such as ;ext=
    digits = _digits(text)
    if not digits:
        return frozenset()
    text = text.strip()
    candidate = "+" + text[2:] if not default_region and text.startswith("00") else text
    keys: set[str] = set()
    number = _parse(candidate, default_region.upper() or None)
    if number is not None:
        import phonenumbers  # loaded at the first number (start-up of ``cms-dav search``)

        keys.add(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
        national = phonenumbers.national_significant_number(number)
        if len(national) >= MIN_DIGIT_KEY:
            keys.add(national)
    else:
        for key in (digits, digits.lstrip("0")):
            if len(key) >= MIN_DIGIT_KEY:
                keys.add(key)
    return frozenset(keys)


def _parse(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    import phonenumbers  # its metadata takes ~70 ms to load: not for a search by name

    number = parsed_phone(text, region)
    return number if number is not None and phonenumbers.is_possible_number(number) else None


@lru_cache(maxsize=4096)
def parsed_phone(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    """``phonenumbers.parse(text, region)``, None when it cannot be read. Cached and
    shared: a PUT's linter and its index read the same numbers (issue 19). The numbers
    are shared too: read them, never change them."""
    import phonenumbers

    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None


def looks_like_phone(text: str) -> bool:
    """Mostly digits with phone punctuation: the query is a number, not words."""
    compact = re.sub(r"[\s().\-/]", "", text)
    return (bool(compact) and len(_digits(compact)) >= 3
            and all(_PHONE_CHARS.match(c) for c in compact))


#: Surnames whose reading differs from the character's everyday reading (曾 is "ceng"
#: in 曾经 but "zeng" as a surname). Both readings are indexed, so either spelling finds.
SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "朴": "piao", "区": "ou",
    "查": "zha", "盖": "ge", "乐": "yue", "缪": "miao", "覃": "qin", "翟": "zhai",
    "召": "shao", "秘": "bi", "繁": "po", "谌": "chen", "员": "yun", "宿": "su",
    "种": "chong", "尉": "yu", "万俟": "mo qi", "尉迟": "yu chi", "长孙": "zhang sun",
}


def _readings(run: str) -> list[list[str]]:
    """Syllables of a run of Han characters: the plain reading, plus the surname one."""
    from pypinyin import lazy_pinyin  # imported lazily: loading its dictionary takes time

    plain = [s for s in lazy_pinyin(run) if s.strip()]
    readings = [plain] if plain else []
    for surname in (run[:2], run[:1]):
        if surname in SURNAME_READINGS and len(run) > len(surname):
            rest = [s for s in lazy_pinyin(run[len(surname):]) if s.strip()]
            readings.append(SURNAME_READINGS[surname].split() + rest)
            break
    return readings


def pinyin_keys(text: str) -> frozenset[str]:
    """Pinyin forms of the Chinese characters in ``text``: 张伟 -> zhangwei, zhang wei, zw.

    Computed per run of Han characters (a name rarely mixes scripts inside one run),
    plus for all runs together when there are several.
    """
    runs = _HAN.findall(text)
    if not runs:
        return frozenset()
    return _pinyin_of_runs(tuple(runs))


@lru_cache(maxsize=4096)
def _pinyin_of_runs(runs: tuple[str, ...]) -> frozenset[str]:
    """:func:`pinyin_keys` of the Han runs ``runs``; cached: a card's index asks for its
    name and for family + given (the same run for a Chinese name), and names repeat
    across a book (pypinyin's reading of a run costs tens of microseconds, issue 19)."""
    keys: set[str] = set()
    for run in [*runs, *([" ".join(runs)] if len(runs) > 1 else [])]:
        for syllables in _readings(run.replace(" ", "")):
            keys.update({"".join(syllables), " ".join(syllables),
                         "".join(s[0] for s in syllables)})
    return frozenset(fold(k) for k in keys)
