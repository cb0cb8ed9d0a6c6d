"""Custom fields (issue 14 item 1): definitions, the vCard format, the merge, the file edit."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import cms_dav
from cms_dav.contacts import custom_fields
from cms_dav.contacts.custom_fields import (
    card_field_values, encode_property, merge_preserving_fields, set_fields,
)
from cms_dav.contacts.field_defs import FieldsFileError, FieldValueError, parse_fields
from cms_dav.contacts.fields_editor import FieldsEditError, add_field, remove_field
from cms_dav.contacts.fields_file import FieldsFile
from tests.contacts.index_support import vcard

ROOT = Path(cms_dav.__file__).parent

#: one field of each type
FIELDS_TOML = """\
# what sales wants on every customer
[fields.industry]
type = "choice"   # the sector
choices = ["Manufacturing", "Retail"]
label = { en = "Industry", zh-CN = "行业", pl = "Branża" }

[fields.source]
type = "text"
label = { zh-CN = "来源渠道" }

[fields.spend]
type = "number"

[fields.first-order]
type = "date"

[fields.vip]
type = "bool"
scope = ["group:sales"]
"""


@pytest.fixture
def fields():  # type: ignore[no-untyped-def]
    return parse_fields(FIELDS_TOML)


def test_a_file_with_one_field_of_each_type_is_read_in_order(fields) -> None:  # type: ignore[no-untyped-def]
    assert [(f.key, f.type) for f in fields.fields] == [
        ("industry", "choice"), ("source", "text"), ("spend", "number"),
        ("first-order", "date"), ("vip", "bool")]
    assert fields.get("industry").label("zh-CN") == "行业"
    assert fields.get("vip").scope == ("group:sales",)


def test_values_are_brought_to_one_spelling_per_type(fields) -> None:  # type: ignore[no-untyped-def]
    assert fields.get("spend").normalize(" 050000.50 ") == "50000.5"
    assert fields.get("first-order").normalize("20260301") == "2026-03-01"
    assert fields.get("industry").normalize("retail") == "Retail"
    assert fields.get("vip").normalize("是") == "true"
    assert fields.get("source").normalize("  ") == ""


@pytest.mark.parametrize(("key", "value", "message"), [
    ("spend", "9,000", "'9,000' is not a number"),
    ("spend", "12x", "is not a number"),
    ("first-order", "2026-13-01", "is not a date"),
    ("industry", "Mining", "'Mining' is not one of its choices (Manufacturing, Retail)"),
    ("vip", "maybe", "is not a yes/no value"),
])
def test_a_value_of_the_wrong_type_is_refused_naming_the_field(
        fields, key: str, value: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FieldValueError, match=f"field '{key}'") as caught:
        fields.get(key).normalize(value)
    assert message in str(caught.value)


@pytest.mark.parametrize(("text", "line", "problem"), [
    ('[fields.spend]\ntype = "numbr"\n', 2, "type = 'numbr'"),
    ('# c\n\n[fields.level]\ntype = "choice"\n', 4, "needs choices"),
    ('[fields.a]\ntype = "text"\n\n[fields.b]\ntype = "text"\ncolour = 1\n', 6,
     "unknown key 'colour'"),
    ('[fields.Bad]\ntype = "text"\n', 1, "not valid"),
    ('[fields.a]\ntype = "text"\nlabel = { de = "A" }\n', 3, "label 'de'"),
    ('[fields.a]\ntype = "text"\n[fields.b\n', 3, ""),
])
def test_a_broken_file_is_an_error_naming_its_line(text: str, line: int, problem: str) -> None:
    with pytest.raises(FieldsFileError, match=f"line {line}") as caught:
        parse_fields(text, "fields.toml")
    assert problem in str(caught.value)


def test_two_fields_with_one_label_are_refused() -> None:
    text = ('[fields.a]\ntype = "text"\nlabel = { en = "Level" }\n'
            '[fields.b]\ntype = "text"\nlabel = { pl = "level" }\n')
    with pytest.raises(FieldsFileError, match="line 6: .*already names field 'a'"):
        parse_fields(text)


def test_the_property_carries_key_and_value_in_its_value() -> None:
    assert encode_property("source", "Fair; Shanghai, 2026") == \
        "X-CMS-FIELD:source;Fair\\; Shanghai\\, 2026"


def test_values_read_back_also_after_vobject_escaped_the_separator() -> None:
    card = vcard("u", "Zhang", "X-CMS-FIELD:industry\\;Retail", "X-CMS-FIELD:spend;9000",
                 "X-CMS-FIELD:source;")
    assert card_field_values(card) == {"industry": "Retail", "spend": "9000"}


def test_setting_fields_keeps_every_other_byte() -> None:
    card = vcard("u", "Zhang", "NOTE:keep me", "X-CMS-FIELD:spend;9000",
                 "X-CMS-FIELD:industry;Retail").replace("\r\n", "\n")
    changed = set_fields(card, {"spend": "50000", "industry": ""})
    assert changed == card.replace("X-CMS-FIELD:spend;9000\nX-CMS-FIELD:industry;Retail\n",
                                   "X-CMS-FIELD:spend;50000\n")


def test_an_upload_without_the_fields_gets_the_stored_ones_back() -> None:
    stored = vcard("u", "Zhang", "X-CMS-FIELD:spend;9000", "X-CMS-FIELD:industry;Retail")
    uploaded = vcard("u", "Zhang Wei", "TITLE:Buyer")
    merged, changed = merge_preserving_fields(stored, uploaded)
    assert changed
    assert merged == uploaded.replace(
        "END:VCARD", "X-CMS-FIELD:spend;9000\r\nX-CMS-FIELD:industry;Retail\r\nEND:VCARD")


def test_an_upload_that_names_a_field_keeps_its_value_even_empty() -> None:
    stored = vcard("u", "Zhang", "X-CMS-FIELD:spend;9000", "X-CMS-FIELD:industry;Retail")
    uploaded = vcard("u", "Zhang", "X-CMS-FIELD:spend;", "X-CMS-FIELD:industry;Manufacturing")
    assert merge_preserving_fields(stored, uploaded) == (uploaded, False)


def test_the_file_edit_keeps_comments_and_adds_the_field(tmp_path: Path) -> None:
    path = tmp_path / "fields.toml"
    path.write_text(FIELDS_TOML, encoding="utf-8")
    add_field(path, "level", "choice", ["A", "B"], {"zh-CN": "客户等级", "pl": "Poziom"}, [])
    text = path.read_text(encoding="utf-8")
    assert text.startswith(FIELDS_TOML)
    assert "# what sales wants on every customer" in text and "# the sector" in text
    assert parse_fields(text).get("level").choices == ("A", "B")
    remove_field(path, "source")
    text = path.read_text(encoding="utf-8")
    assert "# the sector" in text and "[fields.source]" not in text


def test_the_file_edit_refuses_a_broken_file_and_leaves_it_alone(tmp_path: Path) -> None:
    path = tmp_path / "fields.toml"
    path.write_text('[fields.a]\ntype = "txt"\n', encoding="utf-8")
    with pytest.raises(FieldsFileError, match="line 2"):
        add_field(path, "b", "text", [], {}, [])
    assert path.read_text(encoding="utf-8") == '[fields.a]\ntype = "txt"\n'


def test_a_choice_field_without_choices_is_not_added(tmp_path: Path) -> None:
    with pytest.raises(FieldsEditError, match="needs --choices"):
        add_field(tmp_path / "fields.toml", "level", "choice", [], {}, [])
    assert not (tmp_path / "fields.toml").exists()


def test_a_broken_edit_keeps_the_last_good_definitions(tmp_path: Path) -> None:
    path = tmp_path / "fields.toml"
    path.write_text(FIELDS_TOML, encoding="utf-8")
    live = FieldsFile(path, check_interval=0)
    assert live.fields().get("spend") is not None
    path.write_text(FIELDS_TOML + "\n[fields.spend2]\ntype = 5\n", encoding="utf-8")
    assert live.fields().get("spend") is not None and live.fields().get("spend2") is None
    assert live.last_error is not None and "line 22" in live.last_error
    path.write_text(FIELDS_TOML + "\n[fields.spend2]\ntype = \"number\"\n", encoding="utf-8")
    assert live.fields().get("spend2") is not None and live.last_error is None


def _naming_the_property(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in [tree, *ast.walk(tree)]
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    return any(isinstance(node, ast.Constant) and isinstance(node.value, str)
               and custom_fields.PROPERTY in node.value and id(node) not in docstrings
               for node in ast.walk(tree))


def test_only_the_custom_fields_module_names_the_property_in_code() -> None:
    sources = [*ROOT.rglob("*.py"), *(ROOT.parent / "plugins").rglob("*.py")]
    assert len(sources) > 50
    naming = sorted(str(p.relative_to(ROOT.parent)) for p in sources if _naming_the_property(p))
    assert naming == ["cms_dav/contacts/custom_fields.py"]
