"""``cms-dav field`` and ``cms-dav contacts set --field`` on a real store (issue 14 item 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cms_dav.app import build_app
from cms_dav.cli import cli
from cms_dav.config import load_settings
from tests.contacts.index_support import book, card_data, vcard
from tests.contacts.test_custom_fields import FIELDS_TOML


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "var"
    store = build_app(load_settings(folder)).store
    book(store, "alice/contacts")
    store.put_item("alice/contacts", "zw.vcf",
                   card_data(vcard("zw", "张伟", "EMAIL:zw@example.com",
                                   "X-CMS-FIELD:industry;Retail"), "zw"), "admin")
    (folder / "fields.toml").write_text(FIELDS_TOML, encoding="utf-8")
    return folder


def run(data_dir: Path, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args])


def card(data_dir: Path) -> str:
    app = build_app(load_settings(data_dir))
    record = app.store.collection("alice/contacts")
    assert record is not None
    return app.store.item_text(record.id, "zw.vcf") or ""


def test_contacts_set_writes_canonical_values_and_clears_with_an_empty_one(
        data_dir: Path) -> None:
    result = run(data_dir, "contacts", "set", "zw@example.com", "--field", "spend=050000",
                 "--field", "first-order=20260301", "--field", "industry=")
    assert result.exit_code == 0, result.output
    assert "spend=50000" in result.output and "industry cleared" in result.output
    text = card(data_dir)
    assert "X-CMS-FIELD:spend;50000\r\n" in text
    assert "X-CMS-FIELD:first-order;2026-03-01\r\n" in text and "industry" not in text


@pytest.mark.parametrize(("assignment", "problem"), [
    ("spend=9k", "field 'spend': '9k' is not a number"),
    ("industry=Mining", "'Mining' is not one of its choices"),
    ("colour=red", "no field 'colour'"),
    ("vip=yes", "field 'vip' is for the address books of group:sales only"),
])
def test_a_bad_value_names_the_contact_and_writes_nothing(
        data_dir: Path, assignment: str, problem: str) -> None:
    before = card(data_dir)
    result = run(data_dir, "contacts", "set", "zw", "--field", "spend=1", "--field", assignment)
    assert result.exit_code == 1
    assert "张伟 (/alice/contacts/zw.vcf)" in result.output and problem in result.output
    assert card(data_dir) == before


def test_field_add_then_list_shows_it_and_keeps_the_comments(data_dir: Path) -> None:
    result = run(data_dir, "field", "add", "level", "--type", "choice", "--choices", "A,B,C",
                 "--label", "zh-CN=客户等级", "--label", "pl=Poziom klienta",
                 "--scope", "group:sales")
    assert result.exit_code == 0, result.output
    text = (data_dir / "fields.toml").read_text(encoding="utf-8")
    assert text.startswith(FIELDS_TOML)
    listed = json.loads(run(data_dir, "field", "list", "--json").output)
    assert listed[-1] == {"key": "level", "type": "choice", "choices": ["A", "B", "C"],
                          "labels": {"zh-CN": "客户等级", "pl": "Poziom klienta"},
                          "scope": ["group:sales"]}
    assert run(data_dir, "field", "remove", "level").exit_code == 0
    assert (data_dir / "fields.toml").read_text(encoding="utf-8").rstrip() == \
        FIELDS_TOML.rstrip()


def test_a_broken_fields_file_is_one_error_line_naming_its_line(data_dir: Path) -> None:
    (data_dir / "fields.toml").write_text(FIELDS_TOML + "[fields.x]\ntype = 3\n",
                                          encoding="utf-8")
    for args in (("field", "list"), ("field", "add", "y", "--type", "text"), ("check",)):
        result = run(data_dir, *args)
        assert result.exit_code == 1, args
        assert "fields.toml, line 21: [fields.x]: type = 3" in result.output, args
