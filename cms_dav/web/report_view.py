"""The contacts report (:mod:`cms_dav.reports`) made ready for a page in the reader's
language: section titles, column heads and fixed labels through the message
catalogues, numbers and ISO dates formatted by Babel (CLDR) for the locale, and the
charts drawn server-side as SVG (:mod:`cms_dav.reports.svg`: no script, so the CSP
stays ``default-src 'self'``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from markupsafe import Markup

from cms_dav.reports.model import Cell, Report, Section
from cms_dav.reports.svg import bar_chart, line_chart
from cms_dav.web.i18n import Language

#: a section's title by its stable key; ``%(days)s``/``%(ahead)s`` from the parameters
TITLES = {
    "summary": "Summary",
    "by_category": "Contacts by category",
    "by_organisation": "Contacts by organisation",
    "by_city": "Contacts by city",
    "by_country": "Contacts by country",
    "added_per_month": "Contacts added per month (UTC)",
    "interactions_by_type": "Interactions by type",
    "interactions_per_month": "Interactions per month (UTC)",
    "interactions_by_type_per_month": "Interactions by type per month",
    "interactions_by_author_per_month": "Interactions by author per month",
    "interactions_by_author": "Interactions by author",
    "not_contacted": "Not contacted in %(days)s days",
    "no_phone": "Contacts without a phone number",
    "no_email": "Contacts without an e-mail address",
    "birthdays_due": "Birthdays and anniversaries in the next %(ahead)s days",
    "follow_ups_due": "Follow-ups due in the next %(ahead)s days",
    "follow_ups_overdue": "Follow-ups overdue",
    "data_quality": "Data quality",
}
#: column keys and fixed row labels shown as words
WORDS = {
    "measure": "measure", "count": "count", "category": "category",
    "organisation": "organisation", "city": "city", "country": "country",
    "contacts": "contacts", "month": "month", "type": "type",
    "interactions": "interactions", "author": "author", "name": "name",
    "address_book": "address book", "last_contacted": "last contacted",
    "days_ago": "days ago", "emails": "e-mail addresses", "phones": "phone numbers",
    "date": "date", "kind": "kind", "years": "years", "month_day": "day",
    "due": "due", "note": "note", "check": "check",
    "address books": "address books", "cards": "cards",
    "contacts (people)": "contacts (people)", "groups": "groups",
    "unreadable cards": "unreadable cards", "cards checked": "cards checked",
    "cards with a problem": "cards with a problem", "(none)": "(none)",
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ShownSection:
    key: str
    title: str
    columns: list[str]
    #: (text, is_number) per cell
    rows: list[list[tuple[str, bool]]]
    chart: Markup
    shown: int
    total: int | None


def _locale(lang: Language) -> Locale:
    return Locale.parse(lang.code, sep="-")


def number(lang: Language, value: int) -> str:
    return format_decimal(value, locale=_locale(lang))


def _cell(lang: Language, value: Cell, column: str) -> tuple[str, bool]:
    if isinstance(value, int):
        return number(lang, value), True
    if _ISO_DATE.match(value):
        try:
            return format_date(date.fromisoformat(value), "medium", locale=_locale(lang)), False
        except ValueError:
            return value, False
    if column in ("measure", "check") or value == "(none)":
        return lang.gettext(WORDS.get(value, value)), False
    return value, False


def _chart(title: str, section: Section, lang: Language) -> Markup:
    if section.chart is None or not section.rows:
        return Markup("")
    points = [(_cell(lang, row[0], section.columns[0])[0], int(row[section.value_column]))
              for row in section.rows]
    draw = bar_chart if section.chart == "bar" else line_chart
    # svg.py escapes every text it inserts (labels, title)
    return Markup(draw(title, points))  # noqa: S704


def shown_sections(report: Report, lang: Language) -> list[ShownSection]:
    shown = []
    for section in report.sections:
        title = lang.gettext(TITLES.get(section.key, section.title)) % report.parameters \
            if section.key in TITLES else section.title
        shown.append(ShownSection(
            key=section.key, title=title,
            columns=[lang.gettext(WORDS.get(c, c.replace("_", " "))) for c in section.columns],
            rows=[[_cell(lang, value, column) for value, column
                   in zip(row, section.columns, strict=False)] for row in section.rows],
            chart=_chart(title, section, lang), shown=len(section.rows), total=section.total))
    return shown
