"""The example configs and the README's settings table say only what is true: both are
checked against the one description of every setting (cms_dav.config.settings)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cms_dav.config import Limits, load_settings
from cms_dav.config.docs import BEGIN, END, markdown_table
from cms_dav.config.settings import OPTIONS, SECTIONS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "config").glob("*.conf"))
#: "key = value" or "# key = value" (a documented, commented-out setting)
KEY_LINE = re.compile(r"^#?\s?(?P<key>[a-z_0-9]+) =(?P<value>.*)$")
SECTION_LINE = re.compile(r"^#?\s?\[(?P<section>[a-z_:]+)\]\s*$")


def documented(path: Path) -> list[tuple[str, str, str]]:
    """(section, key, value) of every key line, active or commented out."""
    found: list[tuple[str, str, str]] = []
    section = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        header = SECTION_LINE.match(line)
        if header:
            section = header.group("section")
            continue
        key = KEY_LINE.match(line)
        if key and section:
            found.append((section, key.group("key"), key.group("value").strip()))
    return found


def test_there_are_example_configs() -> None:
    assert [path.name for path in EXAMPLES] == ["cms-dav.conf"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_example_config_loads(tmp_path: Path, path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, config_file=path)
    assert settings.config_file == path


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_example_config_documents_only_valid_keys(path: Path) -> None:
    valid = {(each.section, each.key) for each in OPTIONS}
    for section, key, _ in documented(path):
        if not section.startswith("radicale:"):
            assert (section, key) in valid, f"{path.name}: [{section}] {key}"


def test_main_example_documents_every_setting_with_its_default(tmp_path: Path) -> None:
    path = ROOT / "config" / "cms-dav.conf"
    lines = {(section, key): value for section, key, value in documented(path)}
    for each in OPTIONS:
        assert (each.section, each.key) in lines, f"{each.name} is not in {path.name}"
    # every active line states the default: loading the file changes nothing
    assert load_settings(tmp_path, path).with_overrides(config_file=None) == \
        load_settings(tmp_path).with_overrides(config_file=None)
    assert load_settings(tmp_path, path).limits == Limits()


def test_example_sections_follow_the_documented_order() -> None:
    order = [section for section, _, _ in documented(ROOT / "config" / "cms-dav.conf")
             if section in SECTIONS]
    assert list(dict.fromkeys(order)) == list(SECTIONS)


def test_readme_settings_table_is_the_rendered_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert BEGIN in readme and END in readme, "README lacks the settings table markers"
    shown = readme.split(BEGIN, 1)[1].split(END, 1)[0].lstrip("\n")
    assert shown == markdown_table(), "run: python -m cms_dav.config.docs"



def test_every_settings_field_is_a_described_setting() -> None:
    """A field added without a description could not be set from the file nor be
    documented; only the derived fields are exempt."""
    import dataclasses

    from cms_dav.config import Settings
    described = {each.attribute for each in OPTIONS}
    for cls, exempt in ((Settings, {"config_file", "limits", "extra_radicale"}), (Limits, set())):
        for each in dataclasses.fields(cls):
            assert each.name in described or each.name in exempt, f"{cls.__name__}.{each.name}"
