"""Reads for operations: is the schema current, and the figures /metrics reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from storage.clock import aware
from storage.migrate import alembic_config
from storage.models import Outbox, Question


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def database_state(sessions: sessionmaker[Session]) -> tuple[str, str]:
    """("ok" or why not) for the database and for its migrations."""
    with sessions() as session:
        session.execute(text("SELECT 1"))
        current = set(MigrationContext.configure(session.connection()).get_current_heads())
    heads = head_revisions()
    if current == heads:
        return "ok", "ok"
    if not current:
        return "ok", "schema missing: run doithoai init-db"
    return "ok", f"at {', '.join(sorted(current))}, newest {', '.join(sorted(heads))}: run doithoai init-db"


@dataclass
class Figures:
    questions: dict[str, int] = field(default_factory=dict)
    outbox: dict[tuple[str, str], int] = field(default_factory=dict)
    oldest_pending: dict[str, float] = field(default_factory=dict)


def figures(sessions: sessionmaker[Session], now: float) -> Figures:
    result = Figures()
    with sessions() as session:
        for channel, n in session.execute(select(Question.channel, func.count()).group_by(Question.channel)):
            result.questions[channel] = n
        for channel, status, n in session.execute(
                select(Outbox.channel, Outbox.status, func.count()).group_by(Outbox.channel, Outbox.status)):
            result.outbox[(channel, status)] = n
        oldest = select(Outbox.channel, func.min(Outbox.created_at)).where(Outbox.status == "pending")
        for channel, created in session.execute(oldest.group_by(Outbox.channel)):
            if created is not None:
                result.oldest_pending[channel] = max(0.0, now - aware(created).timestamp())
    return result
