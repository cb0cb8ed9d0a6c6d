"""The ``cms-dav`` command line: one module per command group, registered here."""

from __future__ import annotations

import gc
import importlib
import sys

import click

from cms_dav import __version__
from cms_dav.cli.common import CliError, Services, pass_app, pass_settings  # noqa: F401  (re-exported for command modules)
from cms_dav.config import ConfigError, load_settings


#: every command: its name, the module under ``cms_dav.cli`` and the object there. A
#: command's module is imported when the command is named (``cms-dav search`` loads only
#: what a search needs: start-up was most of its time, issue 19 target 5); ``--help``
#: lists, and so imports, every one, and tests/test_cli_commands.py resolves each, so a
#: missing or broken command module is still an ImportError naming it, never a command
#: that quietly disappears.
COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("serve", "serve"), "init": ("init", "init"), "user": ("users", "user"),
    "check": ("check", "check"), "group": ("groups", "group"),
    "share": ("shares", "share"), "lint": ("lint", "lint"),
    "search": ("search", "search"), "contacts": ("contacts", "contacts"),
    "reindex": ("contacts", "reindex"), "field": ("fields", "field"),
    "notes": ("notes", "notes"), "report": ("report", "report"),
    "import": ("importing", "import_file"),
    "import-radicale": ("importing", "import_radicale"),
    "export": ("exporting", "export"), "dedupe": ("dedupe", "dedupe"),
    "trash": ("trash", "trash"), "backup": ("backup", "backup"),
    "restore": ("backup", "restore"), "migrate-db": ("migrate_db", "migrate_db"),
    "audit": ("audit", "audit"), "history": ("history", "history"),
    "housekeeping": ("housekeeping", "housekeeping"), "segment": ("segments", "segment"),
    "token": ("tokens", "token"), "webhook": ("webhooks", "webhook"),
}


class LazyCommands(click.Group):
    """A group whose commands are imported from :data:`COMMANDS` when first named."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, attribute = COMMANDS[cmd_name]
            command = getattr(importlib.import_module(f"cms_dav.cli.{module}"), attribute)
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)


@click.group(cls=LazyCommands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cms-dav")
@click.option("--data-dir", envvar="CMS_DAV_DATA_DIR", type=click.Path(file_okay=False),
              default=None, help="Data directory (default ./var).")
@click.option("--config", "config_file", envvar="CMS_DAV_CONFIG",
              type=click.Path(dir_okay=False), default=None, help="cms-dav.conf to read.")
@click.pass_context
def cli(ctx: click.Context, data_dir: str | None, config_file: str | None) -> None:
    """cms_dav: CardDAV/CalDAV contact-management server."""
    resume_collector()  # click has imported the command's modules by now
    try:
        services = Services(load_settings(data_dir, config_file))
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    ctx.obj = services
    ctx.call_on_close(services.close)


def resume_collector() -> None:
    """End of start-up: when :func:`main` paused the cyclic garbage collector while
    click imported the command's modules (SQLAlchemy first), put what they made in the
    permanent generation (``gc.freeze``: it lives as long as the process and is never
    walked) and resume the collector. The collector walked those objects ~110 times
    during the imports: 35 of ~420 ms of CPU of a ``cms-dav search`` (issue 19
    target 5). When the collector runs (click's CliRunner in a test), nothing changes."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def main(argv: list[str] | None = None) -> None:
    """Console entry point: errors are one line on stderr and a non-zero exit."""
    gc.disable()  # start-up: resumed by resume_collector() (or below, without a command)
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
    finally:
        gc.enable()
