"""cms-dav.conf -> ``Settings``: the one builder of settings from a file.

One INI file (``--config`` / ``CMS_DAV_CONFIG``) plus the data dir (``--data-dir`` /
``CMS_DAV_DATA_DIR``) decide everything; every path that is not set explicitly lives
under the data dir so that a fresh clone needs no configuration at all. Every section,
key and value is checked, and a problem is one line naming the file and line.
"""

from __future__ import annotations

import os
from pathlib import Path

from cms_dav.config.errors import problem
from cms_dav.config.ini import IniFile, Section, read_ini
from cms_dav.config.radicale_sections import PREFIX, check_radicale_section
from cms_dav.config.schema import Option
from cms_dav.config.settings import (DEFAULT_DATA_DIR, LIMIT_OPTIONS, OPTIONS, SECTIONS,
                                     SETTING_OPTIONS, Limits, Settings)
from cms_dav.config.suggest import closest, did_you_mean


def load_settings(data_dir: str | os.PathLike[str] | None = None,
                  config_file: str | os.PathLike[str] | None = None) -> Settings:
    """Read the config file (if any) and fill in defaults relative to the data dir."""
    data_dir = data_dir or os.environ.get("CMS_DAV_DATA_DIR") or None
    config_file = config_file or os.environ.get("CMS_DAV_CONFIG") or None
    ini = read_ini(Path(config_file) if config_file else None)
    extra: dict[str, dict[str, str]] = {}
    for section in ini.sections.values():
        if section.name.startswith(PREFIX):
            extra[section.name[len(PREFIX):]] = check_radicale_section(section)
        else:
            _check_keys(section)
    given = {each.attribute: _given(ini, each) for each in SETTING_OPTIONS}
    values = {name: each.default if given[name] is None else given[name]
              for name, each in zip(given, SETTING_OPTIONS)}
    # paths nobody set live under the data dir; --data-dir / CMS_DAV_DATA_DIR win
    base = Path(data_dir).expanduser().absolute() if data_dir else (
        given["data_dir"] or Path(DEFAULT_DATA_DIR).absolute())
    values.update(
        data_dir=base,
        htpasswd_file=given["htpasswd_file"] or base / "users",
        rights_file=given["rights_file"] or base / "rights.toml",
        database_url=given["database_url"] or f"sqlite:///{base / 'cms-dav.sqlite3'}")
    limits = {each.attribute: _given(ini, each) for each in LIMIT_OPTIONS}
    return Settings(**values,  # type: ignore[arg-type]  # each value checked by its Kind
                    config_file=Path(config_file).absolute() if config_file else None,
                    limits=Limits(**{name: value for name, value in limits.items()
                                     if value is not None}),  # type: ignore[arg-type]
                    extra_radicale=extra)


def _check_keys(section: Section) -> None:
    """Refuse an unknown section or key, with the nearest valid name."""
    if section.name not in SECTIONS:
        if section.name == "radicale":
            hint = "Radicale's own options go in [radicale:NAME], e.g. [radicale:server]"
        else:
            hint = did_you_mean(section.name, SECTIONS + ("radicale:NAME",), brackets=True)
        raise problem(f"[{section.name}]", section.origin, f"unknown section; {hint}")
    keys = [each.key for each in OPTIONS if each.section == section.name]
    for entry in section.entries:
        if entry.key in keys:
            continue
        elsewhere = [each.name for each in OPTIONS if each.key == entry.key]
        hint = (f"did you mean {elsewhere[0]}?" if elsewhere and closest(entry.key, keys) is None
                else did_you_mean(entry.key, keys))
        raise problem(f"[{section.name}] {entry.key}", entry.origin, f"unknown key; {hint}")


def _given(ini: IniFile, described: Option) -> object | None:
    """The parsed value of ``described`` from the file; None when it is absent or empty."""
    entry = ini.entry(described.section, described.key)
    if entry is None or entry.raw == "":
        return None
    try:
        return described.kind.parse(entry.raw)
    except ValueError as exc:
        raise problem(f"{described.name} = {entry.raw}", entry.origin, str(exc)) from None
