"""``cms-dav dedupe``: show likely duplicate contacts side by side, merge on request."""

from __future__ import annotations

import sys

from typing import TYPE_CHECKING

import click

from cms_dav.cli.common import CliError, emit_json, pass_app
from cms_dav.acl import access
from cms_dav.io.duplicate_groups import DedupeError, FoundGroup, find_groups, merge_group

if TYPE_CHECKING:
    from cms_dav.app import App


@click.command("dedupe")
@click.argument("collection")
@click.option("--merge", "merge_id", default=None, metavar="GROUP_ID",
              help="Merge this group: the first card is kept, the others are deleted.")
@click.option("--yes", is_flag=True, help="Merge without asking.")
@click.option("--user", default=None, help="Act as this user (checked against the ACL).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def dedupe(app: App, collection: str, merge_id: str | None, yes: bool,
           user: str | None, as_json: bool) -> None:
    """Find likely duplicates in COLLECTION (e.g. /alice/contacts/)."""
    store = app.store
    region = app.settings.default_region
    try:
        access.require(app.policy, user, collection, "w" if merge_id else "r")
        if merge_id is None:
            groups = find_groups(store, collection, region)
            if as_json:
                emit_json([g.as_dict() for g in groups])
                return
            _show(groups)
            merge_id = _ask(groups)
            if merge_id is None:
                return
            access.require(app.policy, user, collection, "w")
            yes = True  # the user just picked it from the table
        group = {g.id: g for g in find_groups(store, collection, region)}.get(merge_id)
        if group is not None and not yes:
            _show([group])
            if not sys.stdin.isatty():
                raise CliError("not merging without confirmation: add --yes")
            click.confirm(f"merge into {group.members[0][0]}?", abort=True)
        merged = merge_group(store, collection, merge_id, access.actor_name(user), region)
    except (access.AccessDenied, DedupeError, ValueError) as exc:
        raise CliError(str(exc)) from None
    kept, *gone = [href for href, _, _ in merged.members]
    if as_json:
        emit_json({"id": merged.id, "kept": kept, "deleted": gone})
    else:
        click.echo(f"merged group {merged.id}: kept {kept}, deleted {', '.join(gone)}")


def _ask(groups: list[FoundGroup]) -> str | None:
    """Interactive mode (a terminal, no --merge): which group to merge, if any."""
    if not groups or not sys.stdin.isatty():
        return None
    answer = click.prompt("merge which group? (empty: none)", default="", show_default=False)
    return answer.strip() or None


def _show(groups: list[FoundGroup]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=True)
    if not groups:
        console.print("no likely duplicates")
        return
    for group in groups:
        table = Table(title=f"group {group.id}  score {group.score}  "
                            f"({'; '.join(group.reasons)})", title_justify="left")
        table.add_column("")
        for n, (href, _, _) in enumerate(group.members):
            table.add_column(("keep " if n == 0 else "") + href)
        records = [record for _, record, _ in group.members]
        rows = [("name", [r.display_name() for r in records]),
                ("org", [r.org for r in records]),
                ("e-mail", ["\n".join(v for _, v in r.emails) for r in records]),
                ("phone", ["\n".join(v for _, v in r.phones) for r in records]),
                ("categories", [", ".join(r.categories) for r in records]),
                ("note", [r.note[:60] for r in records])]
        for label, values in rows:
            table.add_row(label, *values)
        console.print(table)
    console.print(f"{len(groups)} group(s); merge one with: dedupe COLLECTION --merge ID --yes")
