"""Where the users live, behind one interface: the bcrypt htpasswd file (the embedded
default, SQLite) or the database's ``users`` table (PostgreSQL: every node agrees).

:class:`cms_dav.auth.authenticator.Authenticator`, ``cms-dav user`` and the start-up
banner only see a :class:`UserDirectory`; ``[auth] users`` picks the implementation.
"""

from __future__ import annotations

from typing import Hashable, Protocol

from sqlalchemy import Engine

from cms_dav.auth import htpasswd
from cms_dav.auth.htpasswd import HtpasswdFile
from cms_dav.auth.users_table import UsersTable
from cms_dav.config import Settings


class UserDirectory(Protocol):
    """The logins and their bcrypt hashes; changes raise the auth layer's errors."""

    #: where the users are, for messages ("users file /var/cms/users")
    @property
    def where(self) -> str: ...

    def stamp(self) -> Hashable:
        """Changes whenever a password changes or a user goes: the login cache is
        dropped when it does."""
        ...

    def names(self) -> list[str]: ...

    def exists(self, name: str) -> bool: ...

    def verify(self, name: str, password: str) -> bool: ...

    def add(self, name: str, password: str) -> None: ...

    def set_password(self, name: str, password: str) -> None: ...

    def remove(self, name: str) -> None: ...


def user_directory(settings: Settings, engine: Engine | None) -> UserDirectory:
    """The users source ``settings`` ask for. A table that has never been changed adopts
    the users file's entries once (an upgraded PostgreSQL deployment keeps its logins)."""
    if engine is None or not settings.users_in_database:
        return HtpasswdFile(settings.htpasswd_file)
    table = UsersTable(engine, htpasswd.BCRYPT_ROUNDS, settings.users_check_seconds)
    file = HtpasswdFile(settings.htpasswd_file)
    table.adopt(file.entries(), file.where)
    return table
