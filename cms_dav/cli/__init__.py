"""The ``cms-dav`` command line: one module per command group, registered here."""

from __future__ import annotations

import sys

import click

from cms_dav import __version__
from cms_dav.cli.common import CliError, Services, pass_app, pass_settings  # noqa: F401  (re-exported for command modules)
from cms_dav.config import ConfigError, load_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cms-dav")
@click.option("--data-dir", envvar="CMS_DAV_DATA_DIR", type=click.Path(file_okay=False),
              default=None, help="Data directory (default ./var).")
@click.option("--config", "config_file", envvar="CMS_DAV_CONFIG",
              type=click.Path(dir_okay=False), default=None, help="cms-dav.conf to read.")
@click.pass_context
def cli(ctx: click.Context, data_dir: str | None, config_file: str | None) -> None:
    """cms_dav: CardDAV/CalDAV contact-management server."""
    try:
        services = Services(load_settings(data_dir, config_file))
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    ctx.obj = services
    ctx.call_on_close(services.close)


# Every command, imported explicitly: a missing or broken command module is an
# ImportError naming it when cms-dav starts, never a command that quietly disappears.
from cms_dav.cli.audit import audit  # noqa: E402
from cms_dav.cli.backup import backup, restore  # noqa: E402
from cms_dav.cli.check import check  # noqa: E402
from cms_dav.cli.contacts import contacts, reindex  # noqa: E402
from cms_dav.cli.dedupe import dedupe  # noqa: E402
from cms_dav.cli.exporting import export  # noqa: E402
from cms_dav.cli.fields import field  # noqa: E402
from cms_dav.cli.groups import group  # noqa: E402
from cms_dav.cli.history import history  # noqa: E402
from cms_dav.cli.housekeeping import housekeeping  # noqa: E402
from cms_dav.cli.importing import import_file, import_radicale  # noqa: E402
from cms_dav.cli.init import init  # noqa: E402
from cms_dav.cli.lint import lint  # noqa: E402
from cms_dav.cli.migrate_db import migrate_db  # noqa: E402
from cms_dav.cli.notes import notes  # noqa: E402
from cms_dav.cli.report import report  # noqa: E402
from cms_dav.cli.search import search  # noqa: E402
from cms_dav.cli.segments import segment  # noqa: E402
from cms_dav.cli.serve import serve  # noqa: E402
from cms_dav.cli.shares import share  # noqa: E402
from cms_dav.cli.tokens import token  # noqa: E402
from cms_dav.cli.trash import trash  # noqa: E402
from cms_dav.cli.users import user  # noqa: E402
from cms_dav.cli.webhooks import webhook  # noqa: E402

for _command in (serve, init, user, check, group, share, lint, search, contacts, reindex,
                 field, notes, report, import_file, import_radicale, export, dedupe, trash,
                 backup, restore, migrate_db, audit, history, housekeeping, segment, token,
                 webhook):
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: errors are one line on stderr and a non-zero exit."""
    try:
        cli.main(args=argv, prog_name="cms-dav", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
