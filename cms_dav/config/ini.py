"""Read cms-dav.conf with configparser's syntax and keep the line of every section and key,
so that every later complaint can name it."""

from __future__ import annotations

import configparser
from dataclasses import dataclass, field
from pathlib import Path

from cms_dav.config.errors import ConfigError, Origin

#: no section name can be this, so ``[DEFAULT]`` is an ordinary (unknown) section
#: instead of silently adding its keys to every section
_NO_DEFAULT_SECTION = "\0"


@dataclass(frozen=True)
class Entry:
    key: str
    raw: str
    origin: Origin


@dataclass
class Section:
    name: str
    origin: Origin
    entries: list[Entry] = field(default_factory=list)

    def get(self, key: str) -> Entry | None:
        return next((entry for entry in self.entries if entry.key == key), None)


@dataclass
class IniFile:
    path: Path | None
    sections: dict[str, Section] = field(default_factory=dict)

    def entry(self, section: str, key: str) -> Entry | None:
        found = self.sections.get(section)
        return found.get(key) if found else None


def read_ini(path: Path | None) -> IniFile:
    """The sections and keys of ``path`` (none when ``path`` is None), in file order."""
    if path is None:
        return IniFile(None)
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {path}: not UTF-8 text (byte {exc.start})") from None
    parser = configparser.ConfigParser(interpolation=None,
                                       default_section=_NO_DEFAULT_SECTION)
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        raise ConfigError(_syntax_problem(path, exc)) from None
    lines = _key_lines(text)
    ini = IniFile(path)
    for name in parser.sections():
        section = Section(name, Origin(path, lines.get((name, None))))
        for key, raw in parser.items(name):
            section.entries.append(Entry(key, raw.strip(), Origin(path, lines.get((name, key)))))
        section.entries.sort(key=lambda entry: entry.origin.line or 0)
        ini.sections[name] = section
    return ini


def _key_lines(text: str) -> dict[tuple[str, str | None], int]:
    """Line of each section header ``(name, None)`` and key ``(section, key)``, found
    with configparser's own patterns and its rule that deeper indented lines continue
    the value above."""
    found: dict[tuple[str, str | None], int] = {}
    section: str | None = None
    value_indent: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        indent = len(line) - len(line.lstrip())
        if value_indent is not None and indent > value_indent:
            continue  # continuation of the value above
        header = configparser.ConfigParser.SECTCRE.match(stripped)
        if header:
            section, value_indent = header.group("header"), None
            found.setdefault((section, None), number)
            continue
        key = configparser.ConfigParser.OPTCRE.match(stripped)
        if key and section is not None:
            name = key.group("option").rstrip().lower()
            found.setdefault((section, name), number)
            value_indent = indent
    return found


def _syntax_problem(path: Path, exc: configparser.Error) -> str:
    if isinstance(exc, configparser.MissingSectionHeaderError):
        return f"{path} line {exc.lineno}: {exc.line.strip()!r} comes before any [section]"
    if isinstance(exc, configparser.DuplicateSectionError):
        return f"[{exc.section}] ({path} line {exc.lineno}): the section appears twice"
    if isinstance(exc, configparser.DuplicateOptionError):
        return (f"[{exc.section}] {exc.option} ({path} line {exc.lineno}): "
                f"the key appears twice in the section")
    if isinstance(exc, configparser.ParsingError) and exc.errors:
        number, line = exc.errors[0]
        return f"{path} line {number}: cannot read {line.strip()!r} (expected key = value)"
    return f"config file {path}: {str(exc).splitlines()[0]}"
