"""Helpers shared by the command modules."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from cms_dav.config import Settings


class CliError(click.ClickException):
    """One clear line on stderr and exit status 1, never a traceback."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


pass_settings = click.make_pass_decorator(Settings)


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
