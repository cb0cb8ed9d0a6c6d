"""SQL text with its parameters, run on SQLAlchemy or on the standard ``sqlite3``.

The contact search's read side (:mod:`cms_dav.contacts.query`, ``search_tiers``,
``condition_query``, the ACL's few reads) builds its statements as :class:`Sql`
fragments and runs them through a :class:`Db`: :class:`CoreDb` wraps a SQLAlchemy
``Connection`` (the server, the API, PostgreSQL), :class:`SqliteDb` a plain ``sqlite3``
connection. The second lets ``cms-dav search`` on SQLite run the same statements
without importing SQLAlchemy, which alone was half of the command's start-up (issue 19
target 5). Nothing here imports SQLAlchemy; :class:`CoreDb` imports it only when
used, with a connection that already did.

Parameters are positional (``?``) in the order of the text; :class:`CoreDb` hands them
to the driver in its own style (``%s`` for psycopg). So no literal ``?`` or ``%`` may
appear in the text: every value is a parameter.
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Protocol, Union

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy import Connection, CursorResult

#: SQLAlchemy's ``autoescape`` escape character, so a LIKE is the one it rendered
ESCAPE = "/"


@dataclass(frozen=True)
class Sql:
    """A piece of SQL and its positional parameters, in order."""

    text: str
    params: tuple[Any, ...] = ()

    def __and__(self, other: Sql) -> Sql:
        return Sql(f"({self.text}) AND ({other.text})", self.params + other.params)

    def __or__(self, other: Sql) -> Sql:
        return Sql(f"({self.text}) OR ({other.text})", self.params + other.params)

    def __invert__(self) -> Sql:
        return Sql(f"NOT ({self.text})", self.params)

    def __add__(self, other: Sql) -> Sql:
        """Concatenation (``SELECT ... `` + ``WHERE ...``)."""
        return Sql(f"{self.text} {other.text}", self.params + other.params)


def sql(text: str, *params: Any) -> Sql:
    return Sql(text, params)


def all_of(*parts: Sql) -> Sql:
    """The conjunction of ``parts`` (TRUE for none)."""
    if not parts:
        return Sql("1 = 1")
    return Sql(" AND ".join(f"({p.text})" for p in parts),
               tuple(value for p in parts for value in p.params))


def any_of(*parts: Sql) -> Sql:
    """The disjunction of ``parts`` (FALSE for none)."""
    if not parts:
        return Sql("1 = 0")
    return Sql(" OR ".join(f"({p.text})" for p in parts),
               tuple(value for p in parts for value in p.params))


def in_(column: str, values: Iterable[Any]) -> Sql:
    """``column IN (...)``; FALSE for no values."""
    values = tuple(values)
    if not values:
        return Sql("1 = 0")
    return Sql(f"{column} IN ({', '.join('?' * len(values))})", values)


def not_in(column: str, values: Iterable[Any]) -> Sql:
    """``column NOT IN (...)``; TRUE for no values."""
    values = tuple(values)
    if not values:
        return Sql("1 = 1")
    return Sql(f"{column} NOT IN ({', '.join('?' * len(values))})", values)


def _escaped(text: str) -> str:
    return (text.replace(ESCAPE, ESCAPE + ESCAPE).replace("%", ESCAPE + "%")
            .replace("_", ESCAPE + "_"))


def contains(column: str, text: str) -> Sql:
    """``column`` holds ``text`` (SQLAlchemy's ``contains(text, autoescape=True)``)."""
    return Sql(f"{column} LIKE ? ESCAPE '{ESCAPE}'", (f"%{_escaped(text)}%",))


def starts_with(column: str, text: str) -> Sql:
    """``column`` starts with ``text`` (``startswith(text, autoescape=True)``)."""
    return Sql(f"{column} LIKE ? ESCAPE '{ESCAPE}'", (f"{_escaped(text)}%",))


def ends_with(column: str, text: str) -> Sql:
    """``column`` ends with ``text`` (``endswith(text, autoescape=True)``)."""
    return Sql(f"{column} LIKE ? ESCAPE '{ESCAPE}'", (f"%{_escaped(text)}",))


class Db(Protocol):
    """One connection inside one transaction, whichever driver runs it."""

    #: "sqlite" or "postgresql"
    dialect: str
    #: per-connection facts worth remembering (e.g. which FTS tables exist)
    info: dict[str, Any]

    def rows(self, statement: Sql) -> list[Any]:
        """Every row, each with its columns by name and by position."""

    def column(self, statement: Sql) -> list[Any]:
        """The first column of every row."""


class SqliteDb:
    """A :class:`Db` on a plain ``sqlite3`` connection (no SQLAlchemy)."""

    dialect = "sqlite"

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.info: dict[str, Any] = {}
        #: a named tuple type per column list, as SQLAlchemy's rows (by name or position)
        self._makers: dict[tuple[str, ...], Callable[[Iterable[Any]], Any]] = {}

    def rows(self, statement: Sql) -> list[Any]:
        cursor = self.connection.execute(statement.text, statement.params)
        names = tuple(d[0] for d in cursor.description)
        make = self._makers.get(names)
        if make is None:
            row_type: Any = namedtuple(  # type: ignore[misc]  # names made at run time
                "Row", list(names), rename=True)
            make = self._makers[names] = row_type._make
        return [make(row) for row in cursor.fetchall()]

    def column(self, statement: Sql) -> list[Any]:
        return [row[0] for row in self.connection.execute(statement.text, statement.params)]


class CoreDb:
    """A :class:`Db` on a SQLAlchemy ``Connection`` (its dialect, its transaction)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name
        self.info = connection.info
        self._qmark = connection.dialect.paramstyle == "qmark"

    def rows(self, statement: Sql) -> list[Any]:
        return list(self._execute(statement))

    def column(self, statement: Sql) -> list[Any]:
        if not self.connection.in_transaction():
            return list(self._execute(statement).scalars())
        # inside a transaction: the driver's cursor (SQLAlchemy's per-row fetch cost
        # as much as SQLite's work for the ids of a many-match addressbook-query)
        return [row[0] for row in driver_rows(self.connection, self._text(statement),
                                              statement.params)]

    def _text(self, statement: Sql) -> str:
        return statement.text if self._qmark else statement.text.replace("?", "%s")

    def _execute(self, statement: Sql) -> CursorResult[Any]:
        # straight to the driver's paramstyle (qmark on SQLite, format on psycopg):
        # no text() to compile, and the engine's events still see the statement
        return self.connection.exec_driver_sql(self._text(statement), statement.params)


def driver_rows(conn: Connection, text: str, params: Iterable[Any]) -> list[Any]:
    """Every row of ``text`` (in the driver's paramstyle) as plain tuples, on the
    DB-API connection under ``conn``, inside the transaction ``conn`` has begun (a
    SQLAlchemy row costs ~5 µs through its cursor wrapper: issue 19). A driver error is
    raised as SQLAlchemy's, as through ``exec_driver_sql``."""
    assert conn.in_transaction(), "a driver cursor outside a transaction sees no snapshot"
    return run_on_driver(conn, text, tuple(params))


def run_on_driver(conn: Connection, text: str, args: Any, *, many: bool = False
                  ) -> list[Any]:
    """``text`` with ``args`` on the DB-API connection of ``conn``'s transaction
    (``executemany`` when ``many``); the rows it returns; a driver error raised as
    SQLAlchemy's own class (``IntegrityError``...), so callers catch what they caught
    through ``exec_driver_sql``."""
    error = conn.dialect.loaded_dbapi.Error
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]  # connected
    try:
        if many:
            cursor.executemany(text, args)
            return []
        cursor.execute(text, args)
        return cursor.fetchall() if cursor.description is not None else []
    except error as exc:
        from sqlalchemy.exc import DBAPIError  # only here: a search on SQLite imports none
        raise DBAPIError.instance(text, args, exc, error) from exc
    finally:
        cursor.close()


Conn = Union["Connection", Db]


def as_db(conn: Conn) -> Db:
    """``conn`` as a :class:`Db`: itself, or a SQLAlchemy connection wrapped."""
    if isinstance(conn, (SqliteDb, CoreDb)):
        return conn
    return CoreDb(conn)  # type: ignore[arg-type]  # not a Db: a SQLAlchemy Connection


def first(db: Db, statement: Sql) -> Any | None:
    found = db.rows(statement)
    return found[0] if found else None


def column(db: Db, statement: Sql) -> list[Any]:
    """The first column of every row."""
    return db.column(statement)


class Database(Protocol):
    """Where a read-only command reads: one read transaction at a time."""

    #: names the database in memo keys (no password)
    database_url: str

    def reading(self) -> AbstractContextManager[Conn]:
        """One read transaction (one snapshot): a :class:`Db` or a SQLAlchemy
        connection, which every reader here takes (:func:`as_db`)."""

    def close(self) -> None:
        """Release what it holds."""


class SqliteDatabase:
    """A :class:`Database` on an SQLite file through the standard library. Each
    :meth:`reading` has a connection of its own (the policy reads in its own
    transaction while a search holds one, as on the App's pooled engine); idle ones
    are kept for the next."""

    def __init__(self, path: str, database_url: str) -> None:
        self.path = path
        self.database_url = database_url
        self._idle: list[sqlite3.Connection] = []

    def _connect(self) -> sqlite3.Connection:
        if self._idle:
            return self._idle.pop()
        # autocommit mode: the transaction is the BEGIN below, as on the engine
        connection = sqlite3.connect(self.path, timeout=60, check_same_thread=False,
                                     isolation_level=None)
        connection.execute("PRAGMA busy_timeout=60000")
        return connection

    @contextmanager
    def reading(self) -> Iterator[Db]:
        connection = self._connect()
        connection.execute("BEGIN DEFERRED")
        try:
            yield SqliteDb(connection)
        finally:
            connection.execute("ROLLBACK")
            self._idle.append(connection)

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()


def sqlite_path(url: str) -> str | None:
    """The file of a plain ``sqlite:///PATH`` URL (no query options, not in memory);
    None for any other URL."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url:
        return None
    path = url[len(prefix):]
    return path if path and path != ":memory:" else None


def alembic_version(path: str) -> list[str] | None:
    """The revisions in the ``alembic_version`` table of the SQLite file ``path``; None
    when there is no such file or table (a database not yet made)."""
    import os

    if not os.path.exists(path):
        return None
    try:
        connection = sqlite3.connect(path, timeout=60)
    except sqlite3.Error:
        return None
    try:
        return [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]
    except sqlite3.Error:
        return None
    finally:
        connection.close()
