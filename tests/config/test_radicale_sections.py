"""``[radicale:NAME]`` passes options to Radicale, but never cms_dav's own plugin choices
nor what a cms_dav setting already sets (issue 11, point 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.config.support import load, refusal

PLUGIN_SECTIONS = ["storage", "auth", "rights", "sharing", "group"]


@pytest.mark.parametrize("section", PLUGIN_SECTIONS)
def test_plugin_type_cannot_be_overridden(tmp_path: Path, section: str) -> None:
    message = refusal(tmp_path, f"[radicale:{section}]\ntype = something_else\n")
    assert message.startswith(f"[radicale:{section}] type (cms-dav.conf line 2): "
                              f"not for the config file: cms_dav chooses Radicale's "
                              f"{section} plugin itself")


def test_rights_type_override_names_the_rights_file(tmp_path: Path) -> None:
    assert "use [rights] file" in refusal(tmp_path, "[radicale:rights]\ntype = authenticated\n")


@pytest.mark.parametrize(("section", "key", "instead"), [
    ("auth", "htpasswd_filename", "use [auth] htpasswd_file"),
    ("auth", "delay", "use [auth] first_delay_seconds and max_delay_seconds"),
    ("auth", "cache_logins", "use [auth] login_cache_seconds"),
    ("storage", "max_sync_token_age", "use [storage] sync_token_days"),
    ("storage", "filesystem_folder", "use [storage] data_dir or database_url"),
    ("sharing", "collection_by_token", "use [sharing] public_links"),
    ("server", "hosts", "use [server] host and port"),
    ("server", "max_content_length", "use [server] max_body_bytes"),
    ("reporting", "max_expand_occurrence", "use [limits] max_instances"),
    ("logging", "level", "use [logging] level"),
    ("web", "type", "use [web] type"),
])
def test_option_cms_dav_sets_names_the_setting_to_use(
        tmp_path: Path, section: str, key: str, instead: str) -> None:
    assert refusal(tmp_path, f"[radicale:{section}]\n{key} = 1\n").endswith(instead)


def test_cms_dav_key_in_a_radicale_section_names_the_cms_dav_setting(tmp_path: Path) -> None:
    assert refusal(tmp_path, "[radicale:auth]\ncms_dav_lockout_threshold = 3\n") == (
        "[radicale:auth] cms_dav_lockout_threshold (cms-dav.conf line 2): set by cms_dav; "
        "use [auth] lockout_threshold")


def test_radicale_option_the_plugin_ignores_is_refused(tmp_path: Path) -> None:
    assert refusal(tmp_path, "[radicale:auth]\nldap_uri = ldap://x\n").endswith(
        "not used with cms_dav's auth plugin; Radicale options open here: "
        "lc_username, strip_domain, uc_username")


def test_every_key_cms_dav_sets_for_its_plugins_is_refused(tmp_path: Path) -> None:
    """Keeps the guard in step with what the server really configures."""
    from cms_dav.config import load_settings
    from cms_dav.config.radicale_sections import refusal as why_refused
    from cms_dav.app import build_app

    app = build_app(load_settings(data_dir=tmp_path))
    configuration = app.radicale_configuration()
    app.close()
    for section in PLUGIN_SECTIONS:
        for key in configuration.options(section):
            if configuration.get_source(section, key) == "cms-dav settings":
                assert why_refused(section, key), f"[radicale:{section}] {key} is open"


def test_storage_hook_is_passed_to_radicale(tmp_path: Path) -> None:
    settings = load(tmp_path, "[radicale:storage]\nhook = git add -A && git commit -m %(user)s\n")
    assert settings.extra_radicale == {"storage": {"hook": "git add -A && git commit -m %(user)s"}}


def test_harmless_radicale_options_are_passed_through(tmp_path: Path) -> None:
    settings = load(tmp_path, "[radicale:server]\nssl = True\ncertificate = /etc/c.pem\n"
                              "key = /etc/k.pem\n[radicale:logging]\n"
                              "request_header_on_debug = True\n"
                              "[radicale:headers]\nX-Frame-Options = DENY\n"
                              "[radicale:rights]\npermit_delete_collection = False\n")
    assert settings.extra_radicale == {
        "server": {"ssl": "True", "certificate": "/etc/c.pem", "key": "/etc/k.pem"},
        "logging": {"request_header_on_debug": "True"},
        "headers": {"x-frame-options": "DENY"},
        "rights": {"permit_delete_collection": "False"}}


def test_radicale_option_typo_is_refused_with_suggestion(tmp_path: Path) -> None:
    assert refusal(tmp_path, "[radicale:server]\nssl = True\ncertifcate = /c.pem\n") == (
        "[radicale:server] certifcate (cms-dav.conf line 3): Radicale has no such option "
        "in [server]; did you mean certificate?")


def test_radicale_section_typo_is_refused_with_suggestion(tmp_path: Path) -> None:
    assert refusal(tmp_path, "[radicale:loging]\nbacktrace_on_debug = True\n") == (
        "[radicale:loging] (cms-dav.conf line 1): Radicale has no section [loging]; "
        "did you mean [radicale:logging]?")


def test_radicale_value_is_checked_with_radicales_own_type(tmp_path: Path) -> None:
    assert refusal(tmp_path, "[radicale:server]\nssl = maybe\n").startswith(
        "[radicale:server] ssl = maybe (cms-dav.conf line 2): Radicale refuses it")
