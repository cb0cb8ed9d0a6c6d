"""The NOTE timeline block shows the card's custom fields (issue 14 item 4)."""

from pathlib import Path

from cms_dav.contacts.custom_fields import set_fields
from cms_dav.contacts.field_rows import FieldRows
from cms_dav.contacts.fields_file import FieldsFile
from cms_dav.contacts.interactions import add_interaction
from cms_dav.contacts.timeline_note import TimelineOptions
from cms_dav.contacts.upload_filter import ContactUploadFilter
from tests.contacts.cards import card
from tests.contacts.test_interactions import make
from tests.contacts.test_upload_filter import BOOK, upload

FIELDS = """
[fields.industry]
type = "choice"
choices = ["Manufacturing", "Retail"]
label = { en = "Industry", zh-CN = "行业", pl = "Branża" }

[fields.spend]
type = "number"
label = { en = "Annual spend" }
"""


def rows(tmp_path: Path) -> FieldRows:
    path = tmp_path / "fields.toml"
    path.write_text(FIELDS, encoding="utf-8")
    return FieldRows(FieldsFile(path))


def stored_note(tmp_path: Path, text: str, language: str = "en") -> str:
    upload_filter = ContactUploadFilter(TimelineOptions(20, language), field_rows=rows(tmp_path))
    result = upload_filter(None, BOOK, None, upload(text), actor="alice", attested=True)
    note = [line for line in result.text.replace("\r\n ", "").split("\r\n")
            if line.startswith("NOTE")]
    return "\n".join(note).replace("\\n", "\n")


def test_field_values_appear_in_the_block_with_their_labels(tmp_path):
    text = set_fields(add_interaction(card(), make()), {"industry": "Retail", "spend": "50000"})
    note = stored_note(tmp_path, text)
    assert "- Industry: Retail" in note and "- Annual spend: 50000" in note


def test_labels_follow_the_block_language(tmp_path):
    text = set_fields(card(), {"industry": "Retail"})
    assert "- 行业: Retail" in stored_note(tmp_path, text, "zh")
    assert "- Branża: Retail" in stored_note(tmp_path, text, "pl")


def test_a_field_the_file_does_not_define_is_left_out(tmp_path):
    text = set_fields(add_interaction(card(), make()), {"region": "East China"})
    assert "East China" not in stored_note(tmp_path, text)


def test_a_card_without_fields_or_interactions_gets_no_block(tmp_path):
    assert "Timeline" not in stored_note(tmp_path, card())
