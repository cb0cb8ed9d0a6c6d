"""Column headers -> record fields: presets, auto-detection, mapping files.

A field spec is ``kind[:type][#slot][.part]``: ``email``, ``phone:cell``,
``email#1`` with ``email#1.type`` (Google keeps the type in its own column),
``address:work.street``.  Kinds: fn given family org title note bday url uid
categories interactions email phone address ignore; address parts: street
city region postal_code country (without a part the cell holds
"street; city; region; postal code; country").  ``field:KEY`` is the custom
field KEY of the fields file; without a mapping file, a header that is a
field's key or one of its labels (any language) feeds that field.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field

from cms_dav.contacts.field_defs import FieldDef, FieldSet

SCALAR_KINDS = {"fn", "given", "family", "org", "title", "note", "bday", "url", "uid",
                "categories", "interactions", "ignore"}
TYPED_KINDS = {"email", "phone", "address"}
ADDRESS_PARTS = ("street", "city", "region", "postal_code", "country")
_SPEC = re.compile(r"^([a-z]+)(?::([a-z][\w,-]*))?(?:#(\w+))?(?:\.([a-z_]+))?$")


class TableError(ValueError):
    """The file as a whole cannot be read (bad header, bad mapping)."""


@dataclass(frozen=True)
class FieldSpec:
    kind: str
    type: str = ""
    slot: str = ""
    part: str = "value"
    #: the definition of a ``field:KEY`` column (its type checks the cells)
    definition: FieldDef | None = field(default=None, compare=False)

    @property
    def slot_key(self) -> tuple[str, str]:
        """Cells sharing a slot key build one e-mail/phone/address together."""
        return (self.kind, self.slot or self.type)


def parse_spec(text: str, fields: FieldSet | None = None) -> FieldSpec:
    if text.strip().lower().startswith("field:"):
        key = text.strip()[len("field:"):].strip()
        definition = fields.get(key) if fields is not None else None
        if definition is None:
            known = ", ".join(fields.keys()) if fields is not None and fields.fields else "none"
            raise TableError(f"no custom field {key!r} in {text!r} (defined: {known})")
        return FieldSpec("field", key, definition=definition)
    m = _SPEC.match(text.strip().lower())
    if not m:
        raise TableError(f"invalid field {text!r}; expected e.g. 'email', 'phone:cell', "
                         "'address:home.city'")
    kind, kind_type = m.group(1), m.group(2) or ""
    slot, part = m.group(3) or "", m.group(4) or "value"
    if kind not in SCALAR_KINDS | TYPED_KINDS:
        raise TableError(f"unknown field {kind!r} in {text!r}; known: "
                         + ", ".join(sorted(SCALAR_KINDS | TYPED_KINDS)))
    allowed = {"value", "type"} | (set(ADDRESS_PARTS) if kind == "address" else set())
    if kind in SCALAR_KINDS and (kind_type or slot or part != "value"):
        raise TableError(f"field {kind!r} takes no type, slot or part: {text!r}")
    if part not in allowed:
        raise TableError(f"unknown part {part!r} of {kind!r} in {text!r}")
    return FieldSpec(kind, kind_type, slot, part)


_GOOGLE = {
    "name": "fn", "given name": "given", "family name": "family", "first name": "given",
    "last name": "family", "birthday": "bday", "notes": "note", "group membership": "categories",
    "labels": "categories", "organization 1 - name": "org", "organization 1 - title": "title",
    "organization name": "org", "organization title": "title", "website 1 - value": "url",
}
_GOOGLE_NUMBERED = [
    (re.compile(r"^e-mail (\d+) - value$"), "email#{}"),
    (re.compile(r"^e-mail (\d+) - (?:type|label)$"), "email#{}.type"),
    (re.compile(r"^phone (\d+) - value$"), "phone#{}"),
    (re.compile(r"^phone (\d+) - (?:type|label)$"), "phone#{}.type"),
    (re.compile(r"^address (\d+) - (?:type|label)$"), "address#{}.type"),
    (re.compile(r"^address (\d+) - street$"), "address#{}.street"),
    (re.compile(r"^address (\d+) - city$"), "address#{}.city"),
    (re.compile(r"^address (\d+) - region$"), "address#{}.region"),
    (re.compile(r"^address (\d+) - postal code$"), "address#{}.postal_code"),
    (re.compile(r"^address (\d+) - country$"), "address#{}.country"),
]
_OUTLOOK = {
    "first name": "given", "last name": "family", "company": "org", "job title": "title",
    "categories": "categories", "notes": "note", "birthday": "bday", "web page": "url",
    "e-mail address": "email#1", "e-mail 2 address": "email#2", "e-mail 3 address": "email#3",
    "mobile phone": "phone:cell", "business phone": "phone:work",
    "business phone 2": "phone:work#2",
    "home phone": "phone:home", "home phone 2": "phone:home#2", "other phone": "phone",
    "business fax": "phone:fax,work", "home fax": "phone:fax,home", "pager": "phone:pager",
    "primary phone": "phone:pref#0", "company main phone": "phone:work#main",
}
for _prefix, _type in (("business", "work"), ("home", "home"), ("other", "")):
    _base = f"address:{_type}" if _type else "address#other"
    _OUTLOOK.update({
        f"{_prefix} street": f"{_base}.street", f"{_prefix} city": f"{_base}.city",
        f"{_prefix} state": f"{_base}.region", f"{_prefix} postal code": f"{_base}.postal_code",
        f"{_prefix} country/region": f"{_base}.country",
    })
_PLAIN = {
    "name": "fn", "full name": "fn", "display name": "fn", "given name": "given",
    "first name": "given", "family name": "family", "last name": "family", "surname": "family",
    "email": "email", "e-mail": "email", "phone": "phone", "telephone": "phone",
    "mobile": "phone:cell",
    "org": "org", "organization": "org", "organisation": "org", "company": "org",
    "title": "title", "job title": "title", "categories": "categories", "groups": "categories",
    "tags": "categories", "note": "note", "notes": "note", "birthday": "bday", "url": "url",
    "website": "url", "uid": "uid", "address": "address", "interactions": "interactions",
    # Polish
    "imię i nazwisko": "fn", "imię": "given", "imie": "given", "nazwisko": "family",
    "telefon": "phone", "komórka": "phone:cell", "firma": "org", "stanowisko": "title",
    "kategorie": "categories", "notatka": "note", "notatki": "note", "uwagi": "note",
    "urodziny": "bday", "data urodzenia": "bday", "adres": "address", "strona www": "url",
    # Chinese
    "姓名": "fn", "姓": "family", "名": "given", "电话": "phone", "手机": "phone:cell",
    "邮箱": "email", "电子邮件": "email", "公司": "org", "单位": "org", "职位": "title",
    "职务": "title", "分类": "categories", "标签": "categories", "备注": "note", "生日": "bday",
    "地址": "address", "网址": "url",
}
PRESETS: dict[str, dict[str, str]] = {"google": _GOOGLE, "outlook": _OUTLOOK, "plain": _PLAIN}


def _key(header: str) -> str:
    return " ".join(header.replace("\ufeff", "").split()).casefold()


def preset_spec(preset: str, header: str) -> str | None:
    key = _key(header)
    table = PRESETS[preset]
    if key in table:
        return table[key]
    if preset == "google":
        for pattern, template in _GOOGLE_NUMBERED:
            m = pattern.match(key)
            if m:
                return template.format(m.group(1))
    return None


def detect_preset(headers: list[str]) -> str:
    """The preset recognising most headers; ties go to google, outlook, plain."""
    scores = {p: sum(preset_spec(p, h) is not None for h in headers) for p in PRESETS}
    best = max(PRESETS, key=lambda p: scores[p])
    if scores[best] == 0:
        raise TableError("header row not recognised (not Google, Outlook or the plain template: "
                         f"{', '.join(headers[:6])}...); give a column-mapping file")
    return best


def load_mapping(data: bytes | str, filename: str = "mapping.toml",
                 fields: FieldSet | None = None) -> dict[str, str]:
    """Read a TOML/JSON mapping {column header: field}, optionally under [columns]."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    try:
        raw = json.loads(text) if filename.lower().endswith(".json") else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TableError(f"mapping file {filename} is not valid: {exc}") from exc
    table = raw.get("columns", raw) if isinstance(raw, dict) else None
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise TableError(f"mapping file {filename} must map column headers to field names")
    for spec in table.values():
        parse_spec(spec, fields)
    return dict(table)


@dataclass
class ColumnPlan:
    """What each column of this particular file feeds."""

    preset: str
    columns: dict[int, FieldSpec]
    unmapped: list[str]


def plan_columns(headers: list[str], mapping: dict[str, str] | None = None,
                 preset: str | None = None, fields: FieldSet | None = None) -> ColumnPlan:
    """Which column feeds what. Without a mapping file a custom field's key or label
    wins over a preset's meaning of the same header (the admin defined it for this
    data)."""
    if mapping is not None:
        by_key = {_key(h): i for i, h in enumerate(headers)}
        missing = [h for h in mapping if _key(h) not in by_key]
        if missing:
            raise TableError(f"mapping names column(s) not in the file: {', '.join(missing)}")
        columns = {by_key[_key(h)]: parse_spec(s, fields) for h, s in mapping.items()}
        chosen = "mapping"
    else:
        if preset is not None and preset not in PRESETS:
            raise TableError(f"unknown preset {preset!r}; known: {', '.join(PRESETS)}")
        chosen = preset or detect_preset(
            [h for h in headers if fields is None or fields.by_header(h) is None])
        columns = {}
        for i, h in enumerate(headers):
            definition = fields.by_header(h) if fields is not None else None
            if definition is not None:
                columns[i] = FieldSpec("field", definition.key, definition=definition)
                continue
            spec = preset_spec(chosen, h)
            if spec is not None:
                columns[i] = parse_spec(spec)
    unmapped = [h for i, h in enumerate(headers) if i not in columns and h.strip()]
    return ColumnPlan(chosen, {i: s for i, s in columns.items() if s.kind != "ignore"}, unmapped)
