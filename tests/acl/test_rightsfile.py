"""Reloading the rights file without a restart, and surviving a broken edit."""

import os

from cms_dav.acl.rightsfile import RightsFile

V1 = 'admins = ["root"]\n'
V2 = 'admins = ["root", "alice"]\n'


def _write(path, text):
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    os.utime(path, ns=(before + 10**9, before + 10**9))  # a distinct mtime even on fast FS


def test_a_missing_file_gives_empty_rules(tmp_path):
    source = RightsFile(tmp_path / "rights.toml", check_interval=0)
    assert source.rules().admins == frozenset()
    assert source.last_error is None


def test_a_changed_file_is_picked_up_without_restart(tmp_path):
    path = tmp_path / "rights.toml"
    _write(path, V1)
    source = RightsFile(path, check_interval=0)
    _write(path, V2)
    assert source.rules().admins == {"root", "alice"}


def test_a_broken_file_keeps_the_previous_rules_and_reports_the_error(tmp_path):
    path = tmp_path / "rights.toml"
    _write(path, V1)
    source = RightsFile(path, check_interval=0)
    _write(path, 'admins = ["root"\n')
    assert source.rules().admins == {"root"}
    assert "line" in source.last_error


def test_fixing_a_broken_file_takes_effect_and_clears_the_error(tmp_path):
    path = tmp_path / "rights.toml"
    _write(path, V1)
    source = RightsFile(path, check_interval=0)
    _write(path, "admins = 7\n")
    source.rules()
    _write(path, V2)
    assert source.rules().admins == {"root", "alice"}
    assert source.last_error is None


def test_the_file_is_not_looked_at_again_within_the_check_interval(tmp_path):
    path = tmp_path / "rights.toml"
    _write(path, V1)
    source = RightsFile(path, check_interval=3600)
    _write(path, V2)
    assert source.rules().admins == {"root"}


def test_a_deleted_file_means_empty_rules(tmp_path):
    path = tmp_path / "rights.toml"
    _write(path, V1)
    source = RightsFile(path, check_interval=0)
    path.unlink()
    assert source.rules().admins == frozenset()


def test_cms_dav_check_reports_a_broken_rights_file(tmp_path):
    import subprocess
    import sys
    (tmp_path / "rights.toml").write_text("admins = [\n")
    result = subprocess.run([sys.executable, "-m", "cms_dav", "--data-dir", str(tmp_path),
                             "check"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "rights file:" in result.stdout and "line 1" in result.stdout
