"""The ``cms-dav`` command line: one module per command group, registered here."""

from __future__ import annotations

import importlib
import sys

import click

from cms_dav import __version__
from cms_dav.cli.common import CliError, pass_settings  # noqa: F401  (re-exported for command modules)
from cms_dav.config import ConfigError, load_settings

#: "module:attribute" of every command; a module that is missing is skipped so that
#: half-built command groups never break the rest of the CLI.
COMMANDS = [
    "cms_dav.cli.serve:serve",
    "cms_dav.cli.init:init",
    "cms_dav.cli.users:user",
    "cms_dav.cli.check:check",
    "cms_dav.cli.groups:group",
    "cms_dav.cli.shares:share",
    "cms_dav.cli.lint:lint",
    "cms_dav.cli.search:search",
    "cms_dav.cli.contacts:contacts",
    "cms_dav.cli.contacts:reindex",
    "cms_dav.cli.notes:notes",
    "cms_dav.cli.importing:import_file",
    "cms_dav.cli.importing:import_radicale",
    "cms_dav.cli.exporting:export",
    "cms_dav.cli.dedupe:dedupe",
    "cms_dav.cli.trash:trash",
    "cms_dav.cli.backup:backup",
    "cms_dav.cli.backup:restore",
]


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
        ctx.obj = load_settings(data_dir, config_file)
    except ConfigError as exc:
        raise CliError(str(exc)) from None


def _register() -> None:
    for spec in COMMANDS:
        module_name, attribute = spec.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        cli.add_command(getattr(module, attribute))


_register()


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
