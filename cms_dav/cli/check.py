"""``cms-dav check``: integrity of the store."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cms_dav.cli.common import CliError, emit_json, pass_app

if TYPE_CHECKING:
    from cms_dav.acl.policy import Policy
    from cms_dav.app import App


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@pass_app
def check(app: App, as_json: bool) -> None:
    """Check the store (database integrity, item ETags, change log) and the rights file."""
    from cms_dav.store.check import check_store

    problems = check_store(app.store)
    problems += _rights_file_problems(app.policy)
    if as_json:
        emit_json({"ok": not problems, "problems": problems})
    else:
        for problem in problems:
            click.echo(problem)
        if not problems:
            click.echo("store is clean")
    if problems:
        raise CliError(f"{len(problems)} problem(s) found")


def _rights_file_problems(policy: Policy) -> list[str]:
    rights = policy.file
    rights.rules()  # (re)load now, so the error is current
    return [f"rights file: {rights.last_error}"] if rights.last_error else []
