"""Search finds people written over HTTP however they are typed, and only where allowed."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cms_dav.cli import cli
from tests.support.dav import put_card, vcard


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """One server for the module: search is read-only, so the tests can share it."""
    from tests.support.server import ServerProcess
    server = ServerProcess(data_dir=tmp_path_factory.mktemp("search"))
    for name in ("alice", "bob"):  # in-process: a CLI subprocess costs seconds
        CliRunner().invoke(cli, ["--data-dir", str(server.data_dir), "user", "add", name,
                                 "--password-stdin"], input=f"{name}-pw\n")
    server.start()
    alice, bob = server.session("alice", "alice-pw"), server.session("bob", "bob-pw")
    cards = [(alice, "alice", "zw", "张伟",
              "EMAIL:Zhang.Wei@Example.COM\r\nTEL:+48 600 100 200\r\n"),
             (alice, "alice", "lw", "Łukasz Wójcik", "EMAIL:lukasz@example.pl\r\n"),
             (bob, "bob", "secret", "Zhang Secret", "EMAIL:zhang.secret@example.com\r\n")]
    for session, owner, uid, fn, extra in cards:
        response = put_card(session, f"{server.url}/{owner}/contacts/{uid}.vcf",
                            vcard(uid, fn, extra))
        assert response.status_code == 201, response.text
    yield server
    server.stop()


def search(server, *args):
    """In-process CLI on the server's data dir (a subprocess per query would be slow)."""
    return CliRunner().invoke(cli, ["--data-dir", str(server.data_dir), "search", *args])


def found(server, query, user="alice"):
    result = search(server, query, "--user", user, "--json")
    assert result.exit_code == 0, result.output
    return [row["uid"] for row in json.loads(result.stdout)]


@pytest.mark.parametrize("query", ["zhang wei", "zw", "zhangwei"])
def test_chinese_name_found_by_pinyin(searched, query):
    assert found(searched, query)[0] == "zw"


def test_accented_name_found_by_plain_spelling(searched):
    assert found(searched, "lukasz wojcik") == ["lw"]


@pytest.mark.parametrize("query", ["+48 600 100 200", "0048-600-100-200", "(600) 100.200"])
def test_phone_found_in_any_format(searched, query):
    assert found(searched, query) == ["zw"]


@pytest.mark.parametrize("query", ["zhang.wei@example.com", "ZHANG.WEI@EXAMPLE.COM"])
def test_email_found_in_any_case(searched, query):
    assert found(searched, query) == ["zw"]


def test_nothing_from_a_book_the_user_cannot_read(searched):
    assert "secret" not in found(searched, "zhang", user="alice")
    assert found(searched, "zhang", user="bob") == ["secret"]


def test_empty_query_is_a_clear_error(searched):
    result = search(searched, "  ", "--user", "alice")
    assert result.exit_code == 1 and "empty search query" in result.output
