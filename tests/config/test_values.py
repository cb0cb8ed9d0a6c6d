"""Every value is read as its kind (whole number, number, boolean, choice, date-time,
region) and range, and a bad one is refused with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cms_dav.config import ConfigError, Limits, Settings
from tests.config.support import load, refusal


def test_port_that_is_not_a_number_names_its_line(tmp_path: Path) -> None:
    assert refusal(tmp_path, "[server]\nhost = ::1\nport = abc\n") == (
        "[server] port = abc (cms-dav.conf line 3): not a whole number")


@pytest.mark.parametrize("port", ["0", "65536", "-1"])
def test_port_out_of_range_is_refused(tmp_path: Path, port: str) -> None:
    assert refusal(tmp_path, f"[server]\nport = {port}\n").endswith(
        "must be from 1 to 65535")


@pytest.mark.parametrize("key", ["workers", "max_connections", "header_timeout",
                                 "max_body_bytes"])
def test_server_counts_must_be_positive(tmp_path: Path, key: str) -> None:
    assert refusal(tmp_path, f"[server]\n{key} = 0\n") == (
        f"[server] {key} = 0 (cms-dav.conf line 2): must be at least 1")


def test_zero_is_allowed_where_it_means_never(tmp_path: Path) -> None:
    settings = load(tmp_path, "[auth]\nlockout_threshold = 0\nlogin_cache_seconds = 0\n"
                              "account_lockout_threshold = 0\n")
    assert (settings.lockout_threshold, settings.login_cache_seconds,
            settings.account_lockout_threshold) == (0, 0, 0)


def test_negative_count_is_refused(tmp_path: Path) -> None:
    assert refusal(tmp_path, "[auth]\nlockout_threshold = -3\n").endswith(
        "lockout_threshold = -3 (cms-dav.conf line 2): must be at least 0")


@pytest.mark.parametrize(("raw", "expected"), [
    ("true", True), ("yes", True), ("on", True), ("1", True), ("TRUE", True),
    ("false", False), ("no", False), ("off", False), ("0", False)])
def test_booleans_are_spelled_as_configparser_accepts(
        tmp_path: Path, raw: str, expected: bool) -> None:
    assert load(tmp_path, f"[server]\nfast_listing = {raw}\n").fast_listing is expected


def test_boolean_that_is_not_one_names_the_spellings(tmp_path: Path) -> None:
    assert refusal(tmp_path, "[sharing]\npublic_links = maybe\n") == (
        "[sharing] public_links = maybe (cms-dav.conf line 2): "
        "not true or false (also yes/no, on/off, 1/0)")


@pytest.mark.parametrize(("raw", "reason"), [
    ("soon", "not a number"), ("-1", "must be a finite number of at least 0"),
    ("inf", "must be a finite number of at least 0"),
    ("nan", "must be a finite number of at least 0")])
def test_delays_are_finite_numbers(tmp_path: Path, raw: str, reason: str) -> None:
    assert refusal(tmp_path, f"[auth]\nmax_delay_seconds = {raw}\n").endswith(reason)


def test_limits_must_be_positive(tmp_path: Path) -> None:
    assert refusal(tmp_path, "[limits]\nmax_item_bytes = 0\n") == (
        "[limits] max_item_bytes = 0 (cms-dav.conf line 2): must be at least 1")


def test_query_budget_may_be_a_fraction_but_not_zero(tmp_path: Path) -> None:
    assert load(tmp_path, "[limits]\nquery_seconds = 0.001\n").limits.query_seconds == 0.001
    assert refusal(tmp_path, "[limits]\nquery_seconds = 0\n").endswith(
        "must be a finite number greater than 0")


def test_date_limits_are_utc_date_times(tmp_path: Path) -> None:
    assert load(tmp_path, "[limits]\nmax_date_time = 20500101t000000z\n"
                ).limits.max_date_time == "20500101T000000Z"
    assert refusal(tmp_path, "[limits]\nmin_date_time = 1900-01-01\n").endswith(
        "not a UTC date-time such as 21000101T000000Z")


def test_default_region_is_a_two_letter_code(tmp_path: Path) -> None:
    assert load(tmp_path, "[contacts]\ndefault_region = pl\n").default_region == "PL"
    assert refusal(tmp_path, "[contacts]\ndefault_region = Poland\n").endswith(
        "not a two-letter region code (ISO 3166) such as PL")


def test_log_level_is_one_of_radicales_levels(tmp_path: Path) -> None:
    assert load(tmp_path, "[logging]\nlevel = DEBUG\n").log_level == "debug"
    assert refusal(tmp_path, "[logging]\nlevel = verbose\n").endswith(
        "must be one of trace, debug, info, notice, warning, error, critical, alert")


def test_web_type_is_internal_or_none(tmp_path: Path) -> None:
    assert load(tmp_path, "[web]\ntype = none\n").web == "none"
    assert refusal(tmp_path, "[web]\ntype = fancy\n").endswith("must be one of internal, none")


def test_empty_value_means_the_default(tmp_path: Path) -> None:
    settings = load(tmp_path, "[server]\nport =\n[storage]\ndatabase_url =\n")
    assert settings.port == 5232
    assert settings.database_url == f"sqlite:///{tmp_path / 'var' / 'cms-dav.sqlite3'}"


def test_no_config_file_gives_every_default(tmp_path: Path) -> None:
    from cms_dav.config import load_settings
    settings = load_settings(data_dir=tmp_path)
    assert settings.limits == Limits() and settings.port == 5232
    assert settings.htpasswd_file == tmp_path / "users"
    assert settings.rights_file == tmp_path / "rights.toml"


def test_value_set_in_code_is_checked_and_says_so(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    with pytest.raises(ConfigError) as caught:
        settings.with_overrides(port=70000)
    assert str(caught.value) == ("[server] port = 70000 (set in code): "
                                 "must be from 1 to 65535")


def test_limit_set_in_code_is_checked_and_says_so() -> None:
    with pytest.raises(ConfigError) as caught:
        Limits(max_items_per_collection=0)
    assert str(caught.value) == ("[limits] max_items_per_collection = 0 (set in code): "
                                 "must be at least 1")


def test_wrong_type_set_in_code_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[server\] fast_listing = yes \(set in code\)"):
        Settings(data_dir=tmp_path, fast_listing="yes")  # type: ignore[arg-type]  # the bug


def test_missing_config_file_is_named(tmp_path: Path) -> None:
    from cms_dav.config import load_settings
    with pytest.raises(ConfigError, match="config file .*nope.conf does not exist"):
        load_settings(data_dir=tmp_path, config_file=tmp_path / "nope.conf")


def test_config_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    from cms_dav.config import load_settings
    config = tmp_path / "latin1.conf"
    config.write_bytes(b"[contacts]\n# r\xe9gion\n")
    with pytest.raises(ConfigError, match="latin1.conf: not UTF-8 text"):
        load_settings(data_dir=tmp_path, config_file=config)


def test_comment_after_a_value_is_explained(tmp_path: Path) -> None:
    assert refusal(tmp_path, "[sharing]\npublic_links = false   # true: links on\n") == (
        "[sharing] public_links = false   # true: links on (cms-dav.conf line 2): "
        "not true or false (also yes/no, on/off, 1/0); a comment must be on a line of its own")


def test_the_first_problem_in_the_file_is_the_one_reported(tmp_path: Path) -> None:
    text = "[server]\nport = abc\n[auth]\nlockout_treshold = 3\n[nope]\n"
    assert refusal(tmp_path, text).startswith("[server] port = abc (cms-dav.conf line 2)")
