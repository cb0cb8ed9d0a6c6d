"""The HTML report: one self-contained, escaped, phone-readable file with the CSV's numbers."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.reports.conftest import Reported, parse_csv


class Page(HTMLParser):
    """What the tests look at: tags with their attributes, table cells, text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.text: list[str] = []
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append((tag, found))
        if tag == "table":
            self._table = found.get("data-section") or ""
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self.tables[self._table][-1].append("".join(self._cell))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def attrs_of(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


@pytest.fixture(scope="module")
def html(reported: Reported, tmp_path_factory: pytest.TempPathFactory) -> str:
    target = tmp_path_factory.mktemp("html") / "report.html"
    reported.run("--all", "--format", "html", "--output", str(target))
    return target.read_text("utf-8")


@pytest.fixture(scope="module")
def page(html: str) -> Page:
    parsed = Page()
    parsed.feed(html)
    parsed.close()
    return parsed


def test_html_tables_hold_the_same_numbers_as_the_csv(reported, page):
    sections = parse_csv(reported.run("--all", "--format", "csv"))
    for key, (header, rows) in sections.items():
        if key == "report":
            continue
        shown = page.tables[key]
        assert shown[0] == [c.replace("_", " ") for c in header], key
        body = [] if shown[1:] == [["none"]] else shown[1:]
        assert body == [[c[1:] if c.startswith("'") else c for c in row] for row in rows], key


def test_html_references_nothing_outside_the_file(html, page):
    links = [attrs.get(name) or "" for _tag, attrs in page.tags for name in ("src", "href")]
    assert links and all(link.startswith("#") for link in links if link)
    assert "http://" not in html and "https://" not in html
    assert not page.attrs_of("link") and not page.attrs_of("img")


def test_hostile_names_come_out_as_text_never_as_markup(html, page):
    assert page.attrs_of("script") == []
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert any("<script>alert('x')</script>" in row[0] for row in page.tables["no_phone"][1:])


def test_chinese_and_polish_names_render_as_utf8_text(page):
    assert {"charset": "utf-8"} in page.attrs_of("meta")
    names = {row[0] for row in page.tables["not_contacted"][1:]}
    cities = {row[0] for row in page.tables["by_city"][1:]}
    assert {"Kraków", "Łódź", "北京"} <= cities
    assert any(n.startswith("张伟") for n in names) or any(n.startswith("王芳") for n in names)
    assert any(n.startswith(("Łukasz", "Zofia Żółć", "Grzegorz")) for n in names)


def test_html_is_laid_out_for_a_phone_screen(html, page):
    html_tag = page.attrs_of("html")[0]
    assert html_tag.get("lang") == "en"
    assert {"name": "viewport", "content": "width=device-width, initial-scale=1"} in \
        page.attrs_of("meta")
    assert "@media (max-width" in html and "overflow-x:auto" in html


def test_charts_are_inline_svg_bars_and_lines(page):
    charts = [attrs.get("class") for attrs in page.attrs_of("svg")]
    assert "chart bar" in charts and "chart line" in charts
    assert page.attrs_of("rect") and page.attrs_of("polyline")


def test_chart_labels_are_escaped_too():
    from cms_dav.reports.svg import bar_chart, line_chart
    drawn = bar_chart("<b>", [("<script>x</script>", 3)]) + line_chart("t", [("<i>", 1)])
    assert "<script>" not in drawn and "<b>" not in drawn and "<i>" not in drawn
    assert "&lt;script&gt;" in drawn
