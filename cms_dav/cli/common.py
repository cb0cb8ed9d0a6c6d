"""Helpers shared by the command modules."""

from __future__ import annotations

import functools
import json
import sys
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import click

from cms_dav.config import Settings

if TYPE_CHECKING:
    from cms_dav.app import App

F = TypeVar("F", bound=Callable[..., Any])


class CliError(click.ClickException):
    """One clear line on stderr and exit status 1, never a traceback."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class Services:
    """What the commands of one ``cms-dav`` invocation share: the settings at once, the
    App (database, store, policy...) built on first use, so ``--help`` and commands that
    need no database never open one. The group callback makes it and closes it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._app: "App | None" = None

    @property
    def app(self) -> "App":
        if self._app is None:
            from cms_dav.app import build_app
            self._app = build_app(self.settings)
        return self._app

    def close(self) -> None:
        if self._app is not None:
            self._app.close()
            self._app = None


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
