"""Hot write statements run as plain DB-API on the transaction's own connection.

A PUT runs about a dozen INSERTs and UPDATEs in its write transaction; through
SQLAlchemy's execution layer each cost several times SQLite's own work (the execution
context, parameter processing, the result wrapper: about a sixth of a profiled PUT,
issue 19). A :class:`RawStatement` is a Core statement compiled once per dialect into
the driver's SQL text and parameter order, with the columns' Python-side scalar
defaults and the types' bind processors (SQLite's Date as text, Boolean) applied as
SQLAlchemy would; it runs on ``conn.connection.driver_connection``, the connection of
the caller's transaction, so the statement is part of that transaction (and of its
savepoints) on SQLite and PostgreSQL alike. A driver error is raised as SQLAlchemy's
own exception class (``IntegrityError``...), so callers catch what they caught before.

Only for statements whose parameters are plain values: no expanding IN, no SQL
expressions as values, no callable defaults (checked when compiled).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Callable, Iterator, Mapping, Sequence

from sqlalchemy import Connection, Table
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.expression import Executable

from cms_dav.store.sql import run_on_driver


@dataclass(frozen=True)
class _Compiled:
    """One statement for one dialect: the driver's SQL and how to make its parameters."""

    sql: str
    #: parameter names in order (qmark/format drivers), None for named ones (pyformat)
    order: tuple[str, ...] | None
    #: values of parameters a caller may leave out (literal binds, column defaults)
    defaults: dict[str, Any]
    #: bind processors by parameter name (only those the type has)
    processors: dict[str, Callable[[Any], Any]]
    #: the values of ``order`` from a row that has them all (one C call per row)
    getter: Callable[[Mapping[str, Any]], Any]
    #: (position in ``order``, bind processor) of the parameters that have one: a row's
    #: values are processed at these places only, not looked up per column (issue 19
    #: target 5: an import's ~40,000 rows of cards, audit, changes per 10,000 cards)
    processed: tuple[tuple[int, Callable[[Any], Any]], ...] = ()

    def args(self, params: Mapping[str, Any]) -> Any:
        defaults, processors = self.defaults, self.processors
        if self.order is not None:
            try:  # every parameter given (the usual case): one C call per row
                values = list(self.getter(params))
            except KeyError:
                values = [params[name] if name in params else defaults[name]
                          for name in self.order]
            for index, process in self.processed:
                if values[index] is not None:
                    values[index] = process(values[index])
            return values
        named = {**defaults, **params}
        for name, process in processors.items():
            if named.get(name) is not None:
                named[name] = process(named[name])
        return named


def _getter(order: tuple[str, ...]) -> Callable[[Mapping[str, Any]], Any]:
    """The values of the parameters ``order`` from a row (a tuple, KeyError if one is
    missing)."""
    if len(order) > 1:
        return itemgetter(*order)

    def few(row: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(row[name] for name in order)
    return few


def _scalar_defaults(table: Table) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if default is None:
            if column.nullable and column.server_default is None:
                found[column.key] = None  # what Core inserts for a value left out
            continue
        if not default.is_scalar:
            raise ValueError(f"{table.name}.{column.key}: a non-scalar default cannot "
                             "be applied outside SQLAlchemy's execution layer")
        found[column.key] = default.arg  # type: ignore[attr-defined]  # a scalar default's value
    return found


def _compile(statement: Executable, keys: Sequence[str] | None, dialect: Dialect
             ) -> _Compiled:
    if keys is None and isinstance(statement, Insert):
        # every column but the generated id (compiled without keys, it would be bound)
        table = statement.table
        assert isinstance(table, Table)
        serial = table.autoincrement_column
        keys = [column.key for column in table.columns if column is not serial]
    compiled = statement.compile(dialect=dialect,  # type: ignore[attr-defined]  # Executables compile
                                 column_keys=list(keys) if keys is not None else None)
    names = [name for name in compiled.binds if not name.startswith("%(")]
    # literal values of the statement (``sync_seq + 1``); a parameter the caller must
    # pass has none
    defaults = {name: bind.value for name, bind in compiled.binds.items()
                if name in names and not bind.required and bind.value is not None}
    if isinstance(statement, Insert):
        table = statement.table
        assert isinstance(table, Table)
        defaults = {**_scalar_defaults(table), **defaults}
    for name in names:
        if compiled.binds[name].expanding:
            raise ValueError(f"{name}: an expanding parameter needs SQLAlchemy")
    processors = {}
    for name in names:
        process = compiled.binds[name].type.bind_processor(dialect)
        if process is not None:
            processors[name] = process
    order = tuple(compiled.positiontup) if compiled.positional else None
    processed = tuple((index, processors[name]) for index, name in enumerate(order or ())
                      if name in processors)
    return _Compiled(compiled.string, order, defaults, processors, _getter(order or ()),
                     processed)


class RawStatement:
    """A Core INSERT/UPDATE/DELETE (or SELECT) built once, run as plain DB-API inside
    the caller's transaction (module doc). ``keys``: the columns an INSERT or UPDATE
    sets (its ``column_keys``), when not all of them."""

    def __init__(self, statement: Executable, keys: Sequence[str] | None = None) -> None:
        self.statement = statement
        self.keys = tuple(keys) if keys is not None else None
        self._compiled: dict[tuple[str, str], _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        key = (dialect.name, dialect.driver)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = _compile(self.statement, self.keys, dialect)
        return found

    def execute(self, conn: Connection, params: Mapping[str, Any]) -> list[Any]:
        """Run once with ``params``; the rows it returns (RETURNING, SELECT) as tuples."""
        compiled = self.compiled(conn.dialect)
        return run_on_driver(conn, compiled.sql, compiled.args(params))

    def execute_many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run once per row of ``rows`` (the driver's executemany); none: nothing runs."""
        if not rows:
            return
        compiled = self.compiled(conn.dialect)
        if len(rows) == 1:
            self.execute(conn, rows[0])
            return
        run_on_driver(conn, compiled.sql, [compiled.args(row) for row in rows], many=True)

    def execute_tuples(self, conn: Connection, names: tuple[str, ...],
                       rows: Sequence[tuple[Any, ...]]) -> None:
        """:meth:`execute_many` of rows given as tuples of the values of ``names``:
        handed to the driver as they are when the dialect binds exactly ``names`` in
        that order with no bind processor (SQLite: a bulk write's index rows skip a
        dict and its per-row reordering, issue 19), else as dicts the usual way."""
        if not rows:
            return
        compiled = self.compiled(conn.dialect)
        if compiled.order == names and not compiled.processors and len(rows) > 1:
            run_on_driver(conn, compiled.sql, rows, many=True)
            return
        self.execute_many(conn, [dict(zip(names, row, strict=True)) for row in rows])


@contextmanager
def savepoint(conn: Connection) -> Iterator[None]:
    """A savepoint of the caller's transaction set by plain DB-API: an exception
    leaving the block rolls back to it (and goes on), else it is released. For a batch
    that sets one per row (``Store.put_items``): SQLAlchemy's ``begin_nested`` costs
    ~100 µs a time, the two statements ~1 µs. Savepoints of the same name nest (the
    innermost is meant), so blocks inside, raw or SQLAlchemy's, keep working."""
    driver = conn.connection.driver_connection
    cursor = driver.cursor()  # type: ignore[union-attr]  # connected
    try:
        cursor.execute("SAVEPOINT cms_dav_row")
        try:
            yield
        except BaseException:
            cursor.execute("ROLLBACK TO SAVEPOINT cms_dav_row")
            cursor.execute("RELEASE SAVEPOINT cms_dav_row")
            raise
        cursor.execute("RELEASE SAVEPOINT cms_dav_row")
    finally:
        cursor.close()
