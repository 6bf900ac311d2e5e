"""Insert a row unless a concurrent writer inserted the same one first."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

T = TypeVar("T")


def add_or_existing(session: Session, row: T, existing: Select[T]) -> T:
    """Add `row`; when a unique constraint says another transaction got there first, return that row."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return session.scalars(existing).one()
    return row
