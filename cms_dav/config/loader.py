"""cms-dav.conf -> ``Settings``: the one builder of settings from a file.

One INI file (``--config`` / ``CMS_DAV_CONFIG``) plus the data dir (``--data-dir`` /
``CMS_DAV_DATA_DIR``) decide everything; every path that is not set explicitly lives
under the data dir so that a fresh clone needs no configuration at all. Every section,
key and value is checked, and a problem is one line naming the file and line.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from cms_dav.config.errors import problem
from cms_dav.config.ini import Section, read_ini
from cms_dav.config.radicale_sections import PREFIX, check_radicale_section
from cms_dav.config.schema import Option
from cms_dav.config.settings import (
    DEFAULT_DATA_DIR,
    LIMIT_OPTIONS,
    OPTIONS,
    SECTIONS,
    SETTING_OPTIONS,
    Limits,
    Settings,
)
from cms_dav.config.suggest import closest, did_you_mean


def load_settings(data_dir: str | os.PathLike[str] | None = None,
                  config_file: str | os.PathLike[str] | None = None) -> Settings:
    """Read the config file (if any) and fill in defaults relative to the data dir."""
    data_dir = data_dir or os.environ.get("CMS_DAV_DATA_DIR") or None
    config_file = config_file or os.environ.get("CMS_DAV_CONFIG") or None
    ini = read_ini(Path(config_file) if config_file else None)
    given: dict[tuple[str, str], object] = {}
    extra: dict[str, dict[str, str]] = {}
    for section in ini.sections.values():  # in file order: the first problem is reported
        if section.name.startswith(PREFIX):
            extra[section.name[len(PREFIX):]] = check_radicale_section(section)
        else:
            given.update(_read_section(section))

    def value(each: Option) -> object:
        return given.get((each.section, each.key), each.default)

    values = {each.attribute: value(each) for each in SETTING_OPTIONS}
    # paths nobody set live under the data dir; --data-dir / CMS_DAV_DATA_DIR win
    configured = given.get(("storage", "data_dir"))
    base = Path(data_dir).expanduser().absolute() if data_dir else (
        configured if isinstance(configured, Path) else Path(DEFAULT_DATA_DIR).absolute())
    values.update(
        data_dir=base,
        htpasswd_file=given.get(("auth", "htpasswd_file"), base / "users"),
        rights_file=given.get(("rights", "file"), base / "rights.toml"),
        fields_file=given.get(("contacts", "fields_file"),
                              Path(str(given.get(("rights", "file"), base / "rights.toml"))
                                   ).parent / "fields.toml"),
        database_url=given.get(("storage", "database_url"),
                               f"sqlite:///{base / 'cms-dav.sqlite3'}"))
    # each value was parsed by its Kind, which the dataclasses check again
    limits = Limits(**{each.attribute: value(each)  # type: ignore[arg-type]  # parsed by its Kind
                       for each in LIMIT_OPTIONS})
    return Settings(**values,  # type: ignore[arg-type]  # parsed by their Kinds
                    config_file=Path(config_file).absolute() if config_file else None,
                    limits=limits, extra_radicale=extra)


def _read_section(section: Section) -> dict[tuple[str, str], object]:
    """The values of a cms_dav section, each parsed by its kind (an empty value means
    the default); an unknown section or key is refused with the nearest valid name."""
    if section.name not in SECTIONS:
        if section.name == "radicale":
            hint = "Radicale's own options go in [radicale:NAME], e.g. [radicale:server]"
        else:
            hint = did_you_mean(section.name, SECTIONS + ("radicale:NAME",), brackets=True)
        raise problem(f"[{section.name}]", section.origin, f"unknown section; {hint}")
    known = {each.key: each for each in OPTIONS if each.section == section.name}
    values: dict[tuple[str, str], object] = {}
    for entry in section.entries:
        described = known.get(entry.key)
        if described is None:
            raise problem(f"[{section.name}] {entry.key}", entry.origin,
                          f"unknown key; {_hint(entry.key, list(known))}")
        if entry.raw == "":
            continue
        try:
            values[(section.name, entry.key)] = described.kind.parse(entry.raw)
        except ValueError as exc:
            reason = str(exc)
            if re.search(r"\s[#;]", entry.raw):
                reason += "; a comment must be on a line of its own"
            raise problem(f"{described.name} = {entry.raw}", entry.origin, reason) from None
    return values


def _hint(key: str, keys: list[str]) -> str:
    """A near key of this section, else the same key in another section, else the list."""
    elsewhere = [each.name for each in OPTIONS if each.key == key]
    if elsewhere and closest(key, keys) is None:
        return f"did you mean {elsewhere[0]}?"
    return did_you_mean(key, keys)
