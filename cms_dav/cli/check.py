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
    """Check the installed Radicale (the shapes cms_dav relies on), the store (database
    integrity, item ETags, change log), the rights file and the fields file."""
    from cms_dav import radicale_compat
    from cms_dav.store.check import check_store

    problems = [f"radicale: {mismatch}" for mismatch in radicale_compat.mismatches()]
    problems += check_store(app.store)
    problems += _rights_file_problems(app.policy)
    app.fields.refresh()  # (re)load now, so the error is current
    if app.fields.last_error:
        problems.append(f"fields file: {app.fields.last_error}")
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
