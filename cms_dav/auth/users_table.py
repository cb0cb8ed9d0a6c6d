"""The users in the database (table ``users``): one list of logins for every node.

With N nodes on one PostgreSQL a ``cms-dav user add`` on any node must count on every
node at once, which a file copied to each node cannot do. Reads go to the table on every
check (a login not yet cached, ``exists``, ``names``), so a new user logs in through any
node immediately. What a node keeps is its verified-login cache
(:mod:`cms_dav.auth.login_cache`); every change here writes a new random
``users_version`` into ``store_meta`` in the same transaction, and :meth:`stamp` reads
it at most once per ``check_seconds``: a password change or removal on one node ends the
cached logins of every other node within that bound (docs/scaling.md).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Callable

from sqlalchemy import Connection, Engine, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from cms_dav.auth.errors import UnknownUser, UserExists
from cms_dav.auth.passwords import PasswordChecker, hash_password
from cms_dav.auth.validation import check_password, check_user_name
from cms_dav.store.engine import read_tx, write_tx
from cms_dav.store.schema import meta, users

logger = logging.getLogger(__name__)

VERSION_KEY = "users_version"


class UsersTable:
    """The ``users`` table as a users source; safe to share between threads."""

    where = "the database's users table"

    def __init__(self, engine: Engine, rounds: int, check_seconds: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self.rounds = rounds
        self.check_seconds = check_seconds
        self._clock = clock
        self._checker = PasswordChecker(rounds, self.where)
        self._lock = threading.Lock()
        self._version: str | None = None
        self._checked_at = float("-inf")

    # -- reading -----------------------------------------------------------------

    def stamp(self) -> str | None:
        """The change counter as last read; read again once ``check_seconds`` passed."""
        now = self._clock()
        with self._lock:
            if now - self._checked_at < self.check_seconds:
                return self._version
        with read_tx(self.engine) as conn:
            version = _version(conn)
        with self._lock:
            self._version, self._checked_at = version, now
        return version

    def names(self) -> list[str]:
        with read_tx(self.engine) as conn:
            return list(conn.execute(select(users.c.name).order_by(users.c.name)).scalars())

    def exists(self, name: str) -> bool:
        return self._hash_of(name) is not None

    def verify(self, name: str, password: str) -> bool:
        """True if ``password`` is ``name``'s; an unknown name costs one bcrypt check."""
        return self._checker.check(name, self._hash_of(name), password, self._sample_hash)

    def _hash_of(self, name: str) -> str | None:
        with read_tx(self.engine) as conn:
            return conn.execute(select(users.c.password_hash)
                                .where(users.c.name == name)).scalar()

    def _sample_hash(self) -> list[str]:
        with read_tx(self.engine) as conn:
            return list(conn.execute(select(users.c.password_hash).limit(1)).scalars())

    # -- changing ----------------------------------------------------------------

    def add(self, name: str, password: str) -> None:
        check_user_name(name)
        digest = hash_password(check_password(password), self.rounds)
        now = time.time()
        try:
            with write_tx(self.engine) as conn:
                if _row_exists(conn, name):
                    raise UserExists(f"user {name!r} already exists")
                conn.execute(users.insert().values(name=name, password_hash=digest,
                                                   created_at=now, changed_at=now))
                _bump(conn)
        except IntegrityError:  # added by another node since the check above
            raise UserExists(f"user {name!r} already exists") from None
        self._forget_version()

    def set_password(self, name: str, password: str) -> None:
        digest = hash_password(check_password(password), self.rounds)
        with write_tx(self.engine) as conn:
            changed = conn.execute(update(users).where(users.c.name == name).values(
                password_hash=digest, changed_at=time.time())).rowcount
            if not changed:
                raise UnknownUser(f"user {name!r} does not exist")
            _bump(conn)
        self._forget_version()

    def remove(self, name: str) -> None:
        with write_tx(self.engine) as conn:
            if not conn.execute(delete(users).where(users.c.name == name)).rowcount:
                raise UnknownUser(f"user {name!r} does not exist")
            _bump(conn)
        self._forget_version()

    def adopt(self, entries: dict[str, str], origin: str) -> int:
        """Copy ``entries`` (name -> bcrypt hash, from a users file) into a table that has
        never been changed: the upgrade of a deployment that kept its users in a file.
        Returns the users copied (0 once the table has a history, or another node won)."""
        if not entries:
            return 0
        now = time.time()
        try:
            with write_tx(self.engine) as conn:
                if _version(conn) is not None or conn.execute(
                        select(func.count()).select_from(users)).scalar():
                    return 0
                conn.execute(users.insert(), [
                    {"name": name, "password_hash": digest, "created_at": now,
                     "changed_at": now} for name, digest in entries.items()])
                _bump(conn)
        except IntegrityError:  # another node adopted the same file at the same moment
            return 0
        logger.warning("copied %d user(s) from %s into the database's users table; "
                       "that file is no longer read ([auth] users = database)",
                       len(entries), origin)
        self._forget_version()
        return len(entries)

    def _forget_version(self) -> None:
        """A change made through this process counts here at once."""
        with self._lock:
            self._checked_at = float("-inf")


def _version(conn: Connection) -> str | None:
    return conn.execute(select(meta.c.value).where(meta.c.key == VERSION_KEY)).scalar()


def _row_exists(conn: Connection, name: str) -> bool:
    return conn.execute(select(users.c.name).where(users.c.name == name)).first() is not None


def _bump(conn: Connection) -> None:
    """A new random version in the caller's transaction: distinct from every earlier one,
    so concurrent changes can never leave a node believing nothing changed."""
    value = uuid.uuid4().hex
    if conn.execute(update(meta).where(meta.c.key == VERSION_KEY).values(value=value)).rowcount:
        return
    try:
        with conn.begin_nested():  # the very first change, maybe on two nodes at once
            conn.execute(meta.insert().values(key=VERSION_KEY, value=value))
    except IntegrityError:
        conn.execute(update(meta).where(meta.c.key == VERSION_KEY).values(value=value))
