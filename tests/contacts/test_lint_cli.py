import json

from click.testing import CliRunner

from cms_dav.cli import cli
from tests.contacts.cards import card


def run(tmp_path, *args):
    return CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "var"), "lint", *args])


def write(tmp_path, text, name="cards.vcf"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return str(path)


def test_clean_file_exits_zero(tmp_path):
    result = run(tmp_path, write(tmp_path, card("EMAIL:a@b.example")))
    assert result.exit_code == 0, result.output


def test_problems_are_listed_per_card_and_exit_one(tmp_path):
    path = write(tmp_path, card("EMAIL:bad", uid="u-1") + card("TEL:12", uid="u-2"))
    result = run(tmp_path, path, "--region", "PL")
    assert result.exit_code == 1
    assert "u-1: EMAIL 'bad'" in result.output and "u-2: TEL '12'" in result.output


def test_json_output_names_file_card_and_problem(tmp_path):
    path = write(tmp_path, card("EMAIL:bad", uid="u-1"))
    rows = json.loads(run(tmp_path, path, "--json").stdout)
    assert rows == [{"file": path, "card": 1, "uid": "u-1",
                     "problem": "EMAIL 'bad' is not a valid e-mail address"}]


def test_file_without_cards_is_a_one_line_error(tmp_path):
    result = run(tmp_path, write(tmp_path, "hello"))
    assert result.exit_code == 1 and "no BEGIN:VCARD" in result.output


def test_lint_does_not_modify_the_file(tmp_path):
    text = card("EMAIL:bad", "TEL:??")
    path = write(tmp_path, text)
    run(tmp_path, path)
    assert (tmp_path / "cards.vcf").read_bytes() == text.encode("utf-8")


def test_lint_reports_problems_of_a_stored_address_book(server):
    from tests.support.dav import put_card, vcard
    alice = server.session("alice", "alice-pw")
    put_card(alice, f"{server.url}/alice/contacts/bad.vcf",
             vcard("bad", "Bad Email", "EMAIL:not-an-address\r\n"))
    result = server.cli("lint", "/alice/contacts/", "--user", "alice")
    assert result.returncode == 1
    assert "bad" in result.stdout and "not-an-address" in result.stdout
    denied = server.cli("lint", "/alice/contacts/", "--user", "bob")
    assert denied.returncode == 1 and "may not read" in denied.stderr
