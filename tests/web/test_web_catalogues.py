"""Every message of the reports and import/export pages is in the Polish and Chinese
catalogues (a missing one would show English in the middle of a translated page)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cms_dav.web import i18n
from cms_dav.web.report_view import TITLES, WORDS

TEMPLATES = Path(i18n.__file__).parent / "templates"
PAGES = ("reports.html", "transfer.html", "import.html")
#: msgids the pages take from data: the import's rejection labels
LABELS = ("row", "card", "object")
LANGUAGES = i18n.load_languages()
#: words a language writes as English does
SAME = {"pl": {"Problem", "Import"}, "zh-CN": set()}


def _messages() -> set[str]:
    found = {m for page in PAGES
             for m in re.findall(r'_\("([^"]+)"\)', (TEMPLATES / page).read_text())}
    return found | set(TITLES.values()) | set(WORDS.values()) | set(LABELS)


@pytest.mark.parametrize("code", ["pl", "zh-CN"])
def test_every_message_of_the_new_pages_is_translated(code: str) -> None:
    language = LANGUAGES[code]
    missing = sorted(m for m in _messages() - SAME[code] if language.gettext(m) == m)
    assert missing == []
