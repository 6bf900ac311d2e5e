"""Console accounts, Open311 API keys and the jobs asked for in the console."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import ApiKey, Job, User


def list_users(session: Session) -> Sequence[User]:
    return session.scalars(select(User).order_by(User.username)).all()


def list_api_keys(session: Session) -> Sequence[ApiKey]:
    return session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())).all()


def latest_job(session: Session, kind: str) -> Job | None:
    """The most recent job of `kind` (pending, running or finished), for the console to show."""
    return session.scalars(select(Job).where(Job.kind == kind).order_by(Job.id.desc())).first()
