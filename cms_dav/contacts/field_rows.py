"""A card's custom fields as (label, value) rows for the NOTE timeline block (issue 14
item 4: phones show the company's own fields with no app).

Rows follow the fields file's order and use the label in the block's language
(``zh`` reads the ``zh-CN`` label); values of keys the file does not define are left out,
so a removed field disappears from the block on the card's next write.
"""

from __future__ import annotations

from dataclasses import dataclass

from cms_dav.contacts.custom_fields import card_field_values
from cms_dav.contacts.fields_file import FieldsFile
from cms_dav.contacts.vcard_lines import CardParses

#: the timeline's language → the label keys tried, in order
_LABEL_KEYS = {"zh": ("zh-CN", "zh"), "pl": ("pl",), "en": ("en",)}


@dataclass(frozen=True)
class FieldRows:
    """Callable for :class:`cms_dav.contacts.upload_filter.ContactUploadFilter`."""

    fields: FieldsFile

    def __call__(self, vcard_text: str, language: str,
                 parses: CardParses | None = None) -> list[tuple[str, str]]:
        values = card_field_values(vcard_text, parses)
        if not values:
            return []
        rows: list[tuple[str, str]] = []
        for each in self.fields.fields().fields:
            value = values.get(each.key, "")
            if value:
                label = next((each.labels[key] for key in _LABEL_KEYS.get(language, ())
                              if each.labels.get(key)), None) or each.label("en")
                rows.append((label, value))
        return rows
