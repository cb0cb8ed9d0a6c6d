"""How a configuration problem is told to the admin: one line naming where it is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class ConfigError(Exception):
    """A configuration problem, reported to the admin as one line."""


@dataclass(frozen=True)
class Origin:
    """Where a value came from: a line of a config file, or code (``file`` is None)."""

    file: Path | None = None
    line: int | None = None

    def __str__(self) -> str:
        if self.file is None:
            return "set in code"
        return f"{self.file} line {self.line}" if self.line else str(self.file)


#: values given to ``Settings(...)`` / ``with_overrides(...)`` have no line
IN_CODE = Origin()


def problem(subject: str, origin: Origin, message: str) -> ConfigError:
    """``[auth] lockout_treshold (cms-dav.conf line 7): unknown key; did you mean ...``"""
    return ConfigError(f"{subject} ({origin}): {message}")
