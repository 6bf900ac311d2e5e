"""Console logins: attempts counted in the database before a password is checked; revocable sessions."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.clock import aware, utcnow
from storage.models import ConsoleSession, LoginThrottle, User

MAX_ATTEMPTS = 5
WINDOW = timedelta(minutes=10)


def note_attempt(session: Session, keys: Sequence[str], *, now: datetime | None = None,
                 max_attempts: int = MAX_ATTEMPTS, window: timedelta = WINDOW) -> int:
    """Count one attempt for every key, atomically, and say how many seconds to wait (0: go ahead).

    The attempt is counted before the password is checked, so concurrent attempts, other processes
    and a restart all see it; a successful login clears the count (`clear_attempts`).
    """
    now = now or utcnow()
    cutoff = now - window
    upsert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    expired = LoginThrottle.window_start < cutoff
    wait = 0
    for key in keys:
        stmt = upsert(LoginThrottle).values(key=key[:200], attempts=1, window_start=now)
        counted = stmt.on_conflict_do_update(index_elements=[LoginThrottle.key], set_={
            "attempts": case((expired, 1), else_=LoginThrottle.attempts + 1),
            "window_start": case((expired, now), else_=LoginThrottle.window_start),
        }).returning(LoginThrottle.attempts, LoginThrottle.window_start)
        attempts, started = session.execute(counted).one()
        if attempts > max_attempts:
            left = (aware(started) + window - now).total_seconds()
            wait = max(wait, int(left) + 1)
    return wait


def clear_attempts(session: Session, keys: Sequence[str]) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_([k[:200] for k in keys])))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user_id: int, *, lifetime: timedelta, now: datetime | None = None) -> str:
    """A new session for the user; the returned token goes into the cookie and is never stored."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(ConsoleSession(id=_hash(token), user_id=user_id, created_at=now, expires_at=now + lifetime))
    # Expired rows of anyone are swept here, so the table stays small without a job.
    session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
    session.flush()
    return token


def session_user(session: Session, token: str | None, *, now: datetime | None = None) -> User | None:
    """The active user of a live session, or None (ended, expired, unknown or deactivated)."""
    if not token:
        return None
    row = session.get(ConsoleSession, _hash(token))
    if row is None or aware(row.expires_at) <= (now or utcnow()):
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(ConsoleSession).where(ConsoleSession.id == _hash(token)))


def end_all_sessions(session: Session, user_id: int) -> int:
    """Ends every session of the user, in every browser and process (password change, deactivation)."""
    result = session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def live_session_count(session: Session, user_id: int) -> int:
    return len(session.scalars(select(ConsoleSession.id).where(ConsoleSession.user_id == user_id)).all())
