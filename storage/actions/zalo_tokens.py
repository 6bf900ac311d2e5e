"""The Zalo Official Account's tokens: seeded from settings once, then rotated at each refresh.

Zalo's refresh tokens are single-use: a refresh answers a new access token and a new refresh token.
The stored pair is replaced only if it is still the pair the refresh started from, so two processes
refreshing at once keep the winner's pair instead of overwriting it with a spent one.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.clock import utcnow
from storage.models import ZaloOaToken


def fingerprint(refresh_token: str) -> str:
    return hashlib.sha256(refresh_token.encode()).hexdigest()


def current(session: Session, app_id: str) -> ZaloOaToken | None:
    return session.get(ZaloOaToken, app_id)


def do_seed(session: Session, app_id: str, *, access_token: str, refresh_token: str,
            expires_at: datetime) -> ZaloOaToken:
    """Store the configured pair unless the stored one descends from this very configuration."""
    mark = fingerprint(refresh_token)
    row = session.get(ZaloOaToken, app_id)
    if row is not None and row.seed_fingerprint == mark:
        return row
    if row is None:
        row = ZaloOaToken(app_id=app_id, seed_fingerprint=mark, access_token=access_token,
                          refresh_token=refresh_token, expires_at=expires_at)
        session.add(row)
    else:
        row.seed_fingerprint, row.access_token, row.refresh_token = mark, access_token, refresh_token
        row.expires_at, row.refreshed_at, row.updated_at = expires_at, None, utcnow()
    session.flush()
    return row


def do_rotate(session: Session, app_id: str, *, spent_refresh_token: str, access_token: str,
              refresh_token: str, expires_at: datetime) -> bool:
    """Replace the pair after a refresh; False when another process had already replaced it."""
    stmt = select(ZaloOaToken).where(ZaloOaToken.app_id == app_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = session.scalars(stmt).first()
    if row is None or row.refresh_token != spent_refresh_token:
        return False
    now = utcnow()
    row.access_token, row.refresh_token, row.expires_at = access_token, refresh_token, expires_at
    row.refreshed_at = row.updated_at = now
    session.flush()
    return True

