"""Helpers shared by the command modules."""

from __future__ import annotations

import functools
import json
import sys
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import click

from cms_dav.config import Settings
from cms_dav.store.records import OriginOf, WriteOrigin

if TYPE_CHECKING:
    from cms_dav.app import App, Reader

F = TypeVar("F", bound=Callable[..., Any])


class CliError(click.ClickException):
    """One clear line on stderr and exit status 1, never a traceback."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class Services:
    """What the commands of one ``cms-dav`` invocation share: the settings at once, the
    App (database, store, policy...) built on first use, so ``--help`` and commands that
    need no database never open one; a command that only reads contacts asks for the
    Reader instead, which loads a fraction of the App's modules (issue 19 target 5).
    The group callback makes it and closes it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._app: "App | None" = None
        self._reader: "Reader | None" = None

    @property
    def app(self) -> "App":
        if self._app is None:
            from cms_dav.app import build_app
            # no Prometheus instruments: nothing reads a command's counts (start-up)
            self._app = build_app(self.settings, origin_of=cli_origins(command_path()),
                                  instruments=False)
        return self._app

    @property
    def reader(self) -> "Reader":
        if self._reader is None:
            from cms_dav.app import build_reader
            self._reader = build_reader(self.settings)
        return self._reader

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._app is not None:
            self._app.close()
            self._app = None


def command_path() -> str:
    """The running command without the program name, e.g. "notes add" ("" outside one)."""
    context = click.get_current_context(silent=True)
    if context is None:
        return ""
    return " ".join(context.command_path.split()[1:])


def cli_origins(method: str) -> OriginOf:
    """The origin of the CLI's writes (issue 13 item 3): door "cli", address "local",
    method the command path. The local CLI is the admin door: whoever runs it is trusted
    with the data dir, and ``actor`` says in whose name it acted."""
    def origin_of(user: str) -> WriteOrigin:
        return WriteOrigin(user=user, door="cli", address="local", method=method)
    return origin_of


def services() -> Services:
    """The invocation's services (made by the ``cms-dav`` group callback)."""
    found = click.get_current_context().find_object(Services)
    if found is None:
        raise RuntimeError("cms-dav commands run inside the cms-dav group")
    return found


def pass_settings(command: F) -> F:
    """Call the command with the invocation's Settings as first argument."""
    @functools.wraps(command)
    def with_settings(*args: Any, **kwargs: Any) -> Any:
        return command(services().settings, *args, **kwargs)
    return with_settings  # type: ignore[return-value]  # click sees the same signature


def pass_app(command: F) -> F:
    """Call the command with the invocation's App (built now) as first argument."""
    @functools.wraps(command)
    def with_app(*args: Any, **kwargs: Any) -> Any:
        return command(services().app, *args, **kwargs)
    return with_app  # type: ignore[return-value]  # click sees the same signature


def pass_reader(command: F) -> F:
    """Call the command with the invocation's read-only services (built now) first."""
    @functools.wraps(command)
    def with_reader(*args: Any, **kwargs: Any) -> Any:
        return command(services().reader, *args, **kwargs)
    return with_reader  # type: ignore[return-value]  # click sees the same signature


def emit_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def read_password(password_stdin: bool, confirm: bool = True) -> str:
    """Password from stdin (scripts) or asked twice on a terminal."""
    if password_stdin:
        value = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        value = click.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    else:
        raise CliError("no terminal to ask for a password: use --password-stdin")
    if not value:
        raise CliError("the password must not be empty")
    return value
