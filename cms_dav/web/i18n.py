"""The web app's languages: Babel message catalogues (``locales/<lang>/messages.po``)
read at start-up, no build step. The language is the ``cms_dav_lang`` cookie when it
names one of ours, else the best match of ``Accept-Language`` (RFC 9110 §12.5.4),
else English. Dates are formatted by Babel for the chosen locale."""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from datetime import date as Day
from datetime import datetime
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

COOKIE = "cms_dav_lang"
LOCALES = Path(__file__).parent / "locales"
#: the languages offered, with their own names for the switcher
LANGUAGES = {"en": "English", "zh-CN": "简体中文", "pl": "polski"}
DEFAULT = "en"


@dataclass(frozen=True)
class Language:
    code: str
    translations: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def date(self, when: datetime) -> str:
        return format_datetime(when, format="medium",
                               locale=Locale.parse(self.code, sep="-"))

    def day(self, when: Day) -> str:
        """A calendar day with its weekday, in the language's own words."""
        return format_date(when, format="EEE d MMM", locale=Locale.parse(self.code, sep="-"))


def _compiled(code: str) -> gettext.NullTranslations:
    path = LOCALES / code.replace("-", "_") / "messages.po"
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=code.replace("-", "_"))
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def load_languages() -> dict[str, Language]:
    return {code: Language(code, _compiled(code)) for code in LANGUAGES}


def _accepted(header: str) -> list[str]:
    """Accept-Language's tags, best first (q=0 left out)."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header[:500].split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and quality > 0:
            weighted.append((-quality, index, tag.strip().lower()))
    return [tag for _, _, tag in sorted(weighted)]


def choose(cookie: str | None, accept_language: str) -> str:
    if cookie in LANGUAGES:
        assert cookie is not None
        return cookie
    for tag in _accepted(accept_language):
        for code in LANGUAGES:
            if tag == code.lower() or tag.split("-")[0] == code.lower().split("-")[0]:
                return code
    return DEFAULT
