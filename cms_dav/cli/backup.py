"""``cms-dav backup FILE``, ``cms-dav backup --verify FILE`` and ``cms-dav restore FILE``."""

from __future__ import annotations

from pathlib import Path

import click

from cms_dav.cli.common import CliError, emit_json, pass_settings, services
from cms_dav.config import Settings
from cms_dav.io.backup import BackupError, create_backup, prune_backups, verify_backup
from cms_dav.io.restore import restore_backup


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--verify", is_flag=True, help="Check an existing archive instead of writing one.")
@click.option("--keep-days", type=click.FloatRange(min=0), default=None,
              help="Then delete cms-dav archives older than this in FILE's directory.")
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
@pass_settings
def backup(settings: Settings, file: Path, verify: bool, keep_days: float | None,
           as_json: bool) -> None:
    """Write a consistent snapshot (database, rights, users) to FILE (.tar.gz), online."""
    if verify:
        manifest, problems = verify_backup(file)
        if problems:
            raise CliError(f"{file}: " + "; ".join(problems))
        assert manifest is not None
        if as_json:
            emit_json(manifest)
        else:
            click.echo(f"{file}: ok ({len(manifest['files'])} file(s), taken "
                       f"{manifest['created_at']}, schema {manifest['schema_revision']})")
        return
    try:
        manifest = create_backup(settings, file, engine=lambda: services().app.engine)
    except (BackupError, OSError) as exc:
        raise CliError(str(exc)) from None
    removed = prune_backups(file.parent, keep_days) if keep_days is not None else []
    if as_json:
        emit_json({**manifest, "pruned": [str(p) for p in removed]})
        return
    click.echo(f"wrote {file} ({', '.join(f['name'] for f in manifest['files'])})")
    for old in removed:
        click.echo(f"deleted old backup {old}")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_settings
def restore(settings: Settings, file: Path) -> None:
    """Restore the backup FILE into an empty data dir / database."""
    try:
        summary = restore_backup(settings, lambda: services().app.store, file)
    except (BackupError, OSError) as exc:
        raise CliError(str(exc)) from None
    click.echo(f"restored {summary['collections']} collection(s) from the backup taken "
               f"{summary['created_at']}; sync tokens issued before it are now rejected, "
               "so clients will do a full comparison")
