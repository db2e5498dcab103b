"""An append's statements run straight on the driver's connection.

SQLAlchemy's per-statement machinery (execution context, events, result set-up) and its
pooled begin/commit cost about three times the SQLite work of an append here (an append is
six to eight statements: the /play hot path). `DirectWriter` keeps the statements what they
are, the Core objects of schema.py and projections.py, and only executes them differently:
each is compiled once per dialect and set of parameter names, and its bind processors (e.g.
SQLite's datetime format) are applied as SQLAlchemy applies them, so the rows are the same.
Reads and everything off the hot path stay on SQLAlchemy connections.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any, NamedTuple, Protocol

import sqlalchemy as sa

CACHE_LIMIT = 256  # statements are module constants; a statement built per call would only churn


class Executor(Protocol):
    """What the projections need of a connection: SQLAlchemy's, or a `DirectConnection`."""

    @property
    def dialect(self) -> sa.Dialect: ...

    def execute(self, statement: Any, params: Any, /) -> Any: ...


class _Compiled(NamedTuple):
    sql: str
    compiled: sa.sql.compiler.Compiled
    positions: tuple[str, ...] | None  # bind names in order for positional paramstyles (SQLite: qmark)
    processors: Mapping[str, Callable[[Any], Any]]


class Rows:
    """What a statement answered: the rows SQLAlchemy's `Result` would give, for the few calls
    the projections and the append make (`one`, `scalar`, `inserted_position`)."""

    def __init__(self, cursor: Any, lastrowid: int | None) -> None:
        self._cursor = cursor
        self._lastrowid = lastrowid

    def one(self) -> Any:
        names = [column[0] for column in self._cursor.description]
        rows = self._cursor.fetchall()
        if len(rows) != 1:
            raise sa.exc.NoResultFound(f"expected one row, got {len(rows)}")
        return SimpleNamespace(**dict(zip(names, rows[0], strict=True)))

    def scalar(self) -> Any:
        row = self._cursor.fetchone()
        return None if row is None else row[0]

    def inserted_position(self) -> int:
        """The new row's autoincrement key: RETURNING where the dialect renders it, else lastrowid."""
        if self._cursor.description:
            return int(self._cursor.fetchone()[0])
        assert self._lastrowid is not None, "no RETURNING and no lastrowid"
        return int(self._lastrowid)


class DirectConnection:
    """One transaction on a driver connection; `execute` takes Core statements like SQLAlchemy's."""

    def __init__(self, writer: DirectWriter, driver: Any) -> None:
        self.dialect = writer.dialect
        self._writer = writer
        self._cursor = driver.cursor()

    def execute(
        self, statement: sa.Executable, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> Rows:
        many = not isinstance(params, Mapping)
        batch: Sequence[Mapping[str, Any]] = [params] if isinstance(params, Mapping) else params
        prepared = self._writer.prepare(statement, batch[0].keys())
        values = [self._writer.bind(prepared, p) for p in batch]
        if many:
            self._cursor.executemany(prepared.sql, values)
            return Rows(self._cursor, None)
        self._cursor.execute(prepared.sql, values[0])
        return Rows(self._cursor, getattr(self._cursor, "lastrowid", None))


class DirectWriter:
    """Transactions on the engine's pooled driver connections (`BEGIN IMMEDIATE` on SQLite, as the
    engine's writers do); the compiled statements are kept for the life of the writer."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self._driver_error: type[Exception] = engine.dialect.loaded_dbapi.Error
        self._sqlite = engine.dialect.name == "sqlite"
        self._cache: dict[tuple[sa.Executable, frozenset[str]], _Compiled] = {}

    @contextmanager
    def begin(self) -> Iterator[DirectConnection]:
        """One transaction; the driver's errors come out as SQLAlchemy's (IntegrityError, ...)."""
        pooled = self.engine.raw_connection()
        driver: Any = pooled.driver_connection
        try:
            if self._sqlite:  # an autocommit driver (engine.py): the transaction is ours to open
                driver.execute("BEGIN IMMEDIATE")
            yield DirectConnection(self, driver)
            if self._sqlite:
                driver.execute("COMMIT")
            else:
                driver.commit()
        except BaseException as exc:
            if not self._sqlite:
                driver.rollback()
            elif driver.in_transaction:
                driver.execute("ROLLBACK")
            if isinstance(exc, self._driver_error):
                raise sa.exc.DBAPIError.instance(
                    None, None, exc, self._driver_error, dialect=self.dialect
                ) from exc
            raise
        finally:
            pooled.close()  # back to the pool

    def prepare(self, statement: sa.Executable, keys: Any) -> _Compiled:
        cache_key = (statement, frozenset(keys))  # the statement object itself: ids are reused
        prepared = self._cache.get(cache_key)
        if prepared is None:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            column_keys = sorted(keys) if isinstance(statement, sa.Insert) else None
            compiled = statement.compile(dialect=self.dialect, column_keys=column_keys)  # type: ignore[attr-defined]
            positions = tuple(compiled.positiontup) if compiled.positional else None
            prepared = _Compiled(compiled.string, compiled, positions, dict(compiled._bind_processors))
            self._cache[cache_key] = prepared
        return prepared

    @staticmethod
    def bind(prepared: _Compiled, params: Mapping[str, Any]) -> Any:
        values = prepared.compiled.construct_params(params)  # adds the statement's literal binds
        assert values is not None
        for name, process in prepared.processors.items():
            if name in values:
                values[name] = process(values[name])
        if prepared.positions is None:
            return values
        return tuple(values[name] for name in prepared.positions)
