"""One server for the report tests: reports only read, so the tests share the data.

Cards go in over HTTP (PUT), interactions with ``cms-dav notes add``; alice's book is
shared with bob (write), carol's with nobody.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from cms_dav.cli import cli
from tests.reports.people import GROUP_CARD, Person, generate
from tests.support.dav import put_card
from tests.support.server import ServerProcess


@dataclass
class Reported:
    server: ServerProcess
    people: list[Person]
    today: date
    month_created: set[str]  # the UTC month(s) the cards were written in

    def run(self, *args: str) -> str:
        """``cms-dav report`` in-process (a subprocess per call costs seconds)."""
        result = CliRunner().invoke(cli, ["--data-dir", str(self.server.data_dir), "report",
                                          "--today", self.today.isoformat(), *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    def fail(self, *args: str) -> str:
        result = CliRunner().invoke(cli, ["--data-dir", str(self.server.data_dir), "report",
                                          *args])
        assert result.exit_code == 1, result.output
        return result.output


def cli_ok(data_dir: Path, *args: str, input: str | None = None) -> str:
    result = CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args], input=input)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="session")
def reported(tmp_path_factory: pytest.TempPathFactory):
    server = ServerProcess(data_dir=tmp_path_factory.mktemp("reports"))
    for name in ("alice", "bob", "carol"):
        cli_ok(server.data_dir, "user", "add", name, "--password-stdin", input=f"{name}-pw\n")
    today = datetime.now(timezone.utc).date()
    people = generate(today)
    months = {datetime.now(timezone.utc).strftime("%Y-%m")}
    server.start()
    try:
        sessions = {n: server.session(n, f"{n}-pw") for n in ("alice", "bob", "carol")}
        for session in sessions.values():  # the first request creates the user's home
            assert session.request("PROPFIND", server.url + "/",
                                   headers={"Depth": "0"}).status_code == 207
        for person in people:
            owner = person.book.split("/")[0]
            response = put_card(sessions[owner], f"{server.url}/{person.book}/{person.uid}.vcf",
                                person.vcard())
            assert response.status_code == 201, response.text
        response = put_card(sessions["alice"], f"{server.url}/alice/contacts/team.vcf",
                            GROUP_CARD)
        assert response.status_code == 201, response.text
        cli_ok(server.data_dir, "share", "grant", "/alice/contacts/", "--to", "user:bob",
               "--access", "write")
        for person in people:
            for note in person.notes:
                args = ["notes", "add", person.uid, "--user", note.author, "--type", note.kind,
                        "--text", note.text, "--at", note.at.isoformat()]
                if note.follow_up:
                    args += ["--follow-up", note.follow_up.isoformat()]
                note.id = cli_ok(server.data_dir, *args).split()[1]  # "added ID to ..."
        person, note = next((p, n) for p in people for n in p.notes if n.follow_up
                            and today <= n.follow_up <= today + timedelta(days=30))
        cli_ok(server.data_dir, "notes", "done", person.uid, note.id, "--user", note.author)
        note.done = True
        months.add(datetime.now(timezone.utc).strftime("%Y-%m"))
        yield Reported(server, people, today, months)
    finally:
        server.stop()


def parse_csv(text: str) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Sections of the report CSV: key -> (column names, rows)."""
    sections: dict[str, tuple[list[str], list[list[str]]]] = {}
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    index = 0
    while index < len(rows):
        row = rows[index]
        if row and row[0] == "section":
            key, header, body = row[1], rows[index + 1], []
            index += 2
            while index < len(rows) and rows[index]:
                body.append(rows[index])
                index += 1
            sections[key] = (header, body)
        index += 1
    return sections
