"""Edit a hand-kept TOML file (rights, fields) from the CLI, keeping its comments.

The file is parsed before the edit (a broken file is not edited) and the edited text is
parsed again before it replaces the file atomically, so the server, which reloads the
file on change, never sees a half-written or invalid version.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable, TypeVar

import tomlkit

T = TypeVar("T")


def edit_toml(path: Path, change: Callable[[tomlkit.TOMLDocument], None],
              parse: Callable[[str, str], T], invalid: Callable[[Exception], Exception],
              errors: tuple[type[Exception], ...], prefix: str) -> T:
    """Apply ``change`` to the file and return the parsed result. ``parse`` raises one of
    ``errors`` for a bad text; ``invalid(exc)`` is raised when the edit would break it."""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        parse(text, str(path))  # refuse to edit a file that is already broken
        document = tomlkit.parse(text)
    else:
        document = tomlkit.document()
    change(document)
    text = tomlkit.dumps(document)
    try:
        loaded = parse(text, str(path))
    except errors as exc:
        raise invalid(exc) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".toml")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, path)
    return loaded
