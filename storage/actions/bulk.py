"""Many rows at once, for imports: ids taken ahead of the insert, COPY on PostgreSQL, executemany on SQLite.

Taking ids first lets a caller write rows that name each other (a ticket code holding its question's
id, a reply's link to its question) in one pass, without INSERT … RETURNING row by row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.orm import Session

from storage.db import is_postgres
from storage.models import Base


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


def insert_many(session: Session, model: type[Base], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys) in the session's transaction; columns left out get
    their defaults. On PostgreSQL one COPY; on SQLite one executemany."""
    if not rows:
        return
    table = _table(model)
    if not is_postgres(session):
        session.execute(insert(table), list(rows))
        return
    keys = list(rows[0])
    defaults = _column_defaults(table, set(keys))
    names = keys + list(defaults)
    dialect = session.get_bind().dialect
    processors: list[Callable[[Any], Any] | None] = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    fixed = [defaults[name] for name in defaults]
    columns = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    # The DB-API connection of the session's own transaction: the rows commit or roll back with it.
    driver: Any = session.connection().connection.driver_connection
    statement = f"COPY {dialect.identifier_preparer.format_table(table)} ({columns}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            values = [row[k] for k in keys] + fixed
            copy.write_row([v if p is None or v is None else p(v) for v, p in zip(values, processors, strict=True)])
