"""Many rows at once, for imports: ids taken ahead of the insert, COPY on PostgreSQL, executemany on SQLite.

Taking ids first lets a caller write rows that name each other (a ticket code holding its question's
id, a reply's link to its question) in one pass, without INSERT … RETURNING row by row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Column, DateTime, Dialect, Table, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from storage.clock import UTCDateTime
from storage.db import is_postgres
from storage.models import Base

SQLITE_CACHE_KIB = 256 * 1024


def _table(model: type[Base]) -> Table:
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to one table")
    return table


def reserve_ids(session: Session, model: type[Base], n: int) -> list[int]:
    """`n` new ids of `model`'s integer primary key `id`, ascending, for rows this transaction inserts."""
    if n <= 0:
        return []
    table = _table(model)
    if is_postgres(session):
        sequence = func.pg_get_serial_sequence(table.name, "id")
        return sorted(session.scalars(select(func.nextval(sequence)).select_from(func.generate_series(1, n))))
    # SQLite gives a new row max(id) + 1. A statement that writes nothing still takes the database's
    # write lock, which this transaction then holds: nobody else can insert before these ids are used.
    session.execute(update(table).where(table.c.id < 0).values(id=table.c.id))
    top = session.scalar(select(func.max(table.c.id))) or 0
    return list(range(top + 1, top + 1 + n))


def _column_defaults(table: Table, given: set[str]) -> dict[str, Any]:
    """Python-side defaults of the columns a caller left out (COPY knows only the server's)."""
    out: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.name in given or default is None:
            continue
        if default.is_scalar:
            out[column.name] = default.arg  # type: ignore[attr-defined]
        elif default.is_callable:
            out[column.name] = default.arg(None)  # type: ignore[attr-defined]
    return out


def _processor(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """What SQLAlchemy would do to a value of `column` before sending it to the database."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is not None and isinstance(column.type, DateTime | UTCDateTime):
        # Imported rows share few distinct times: each is converted once.
        return lru_cache(maxsize=1 << 16)(process)
    return process


def insert_many(session: Session, model: type[Base], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys) in the session's transaction; columns left out get
    their defaults. On PostgreSQL one COPY, on SQLite one executemany, both without SQLAlchemy's
    per-row statement machinery."""
    if not rows:
        return
    table = _table(model)
    dialect = session.get_bind().dialect
    keys = list(rows[0])
    processors = [_processor(table.c[k], dialect) for k in keys]
    defaults = _column_defaults(table, set(keys))
    fixed = tuple(v if p is None or v is None else p(v)
                  for p, v in ((_processor(table.c[name], dialect), v) for name, v in defaults.items()))
    convert = [(i, p) for i, p in enumerate(processors) if p is not None]

    def prepared(row: Mapping[str, Any]) -> tuple[Any, ...]:
        values = [row[k] for k in keys]
        for i, process in convert:
            if values[i] is not None:
                values[i] = process(values[i])
        return (*values, *fixed)

    values: Iterator[tuple[Any, ...]] = (prepared(row) for row in rows)
    quote = dialect.identifier_preparer
    columns = ", ".join(quote.quote(name) for name in [*keys, *defaults])
    name = quote.format_table(table)
    # The DB-API connection of the session's own transaction: the rows commit or roll back with it.
    driver: Any = session.connection().connection.driver_connection
    if is_postgres(session):
        statement = f"COPY {name} ({columns}) FROM STDIN"
    else:
        marks = ", ".join("?" * (len(keys) + len(defaults)))
        # Table and column names come from the models, quoted; the values travel as parameters.
        statement = f"INSERT INTO {name} ({columns}) VALUES ({marks})"  # noqa: S608
    try:
        if is_postgres(session):
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                for value in values:
                    copy.write_row(value)
        else:
            # Many rows reach every index of the table: with SQLite's default 2 MB page cache the same pages
            # are read again and again. The connection keeps this size; only imports write this way.
            driver.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
            driver.executemany(statement, values)
    except dialect.loaded_dbapi.Error as exc:
        # As SQLAlchemy would raise it (IntegrityError, DataError, OperationalError...), so that callers
        # and the transaction boundary tell a refused row from a busy or unreachable database.
        raise DBAPIError.instance(statement, None, exc, dialect.loaded_dbapi.Error, hide_parameters=True,
                                  dialect=dialect, ismulti=True) from exc
