"""Rules for user names and passwords, shared by the users file, the CLI and ``init``.

User names become the first segment of every DAV path (``/alice/``) and a field of an
htpasswd line, and Radicale's sharing layer uses ``:`` and ``,`` as separators, so the
rules are strict. bcrypt only looks at the first 72 bytes of a password: a longer one is
refused instead of silently truncated.
"""

from __future__ import annotations

import unicodedata

from cms_dav.auth.errors import InvalidPassword, InvalidUserName

MAX_NAME_LENGTH = 64
MAX_PASSWORD_BYTES = 72
FORBIDDEN_NAME_CHARS = {":": "a colon", ",": "a comma", "/": "a slash", "\\": "a backslash"}


def check_user_name(name: str) -> str:
    """Return ``name`` unchanged if it is usable, else raise :class:`InvalidUserName`."""
    if not name:
        raise InvalidUserName("user name must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidUserName(
            f"user name {name[:20]!r}... is {len(name)} characters long "
            f"(at most {MAX_NAME_LENGTH})")
    if name.startswith("."):
        raise InvalidUserName(f"user name {name!r} must not start with '.'")
    for char in name:
        if char in FORBIDDEN_NAME_CHARS:
            raise InvalidUserName(f"user name {name!r} contains {FORBIDDEN_NAME_CHARS[char]}")
        if char.isspace():
            raise InvalidUserName(f"user name {name!r} contains whitespace")
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            raise InvalidUserName(f"user name {name!r} contains a control character")
    return name


def check_password(password: str) -> str:
    """Return ``password`` unchanged if bcrypt can hash it faithfully."""
    if not password:
        raise InvalidPassword("the password must not be empty")
    if "\x00" in password:
        raise InvalidPassword("the password must not contain a NUL character")
    if "\n" in password or "\r" in password:
        raise InvalidPassword("the password must not contain a line break")
    size = len(password.encode("utf-8"))
    if size > MAX_PASSWORD_BYTES:
        raise InvalidPassword(
            f"the password is {size} bytes long; bcrypt uses at most {MAX_PASSWORD_BYTES} "
            "bytes, so choose a shorter one")
    return password


def is_valid_user_name(name: str) -> bool:
    try:
        check_user_name(name)
    except InvalidUserName:
        return False
    return True
