"""API keys for the Open311 endpoint: shown once, only a SHA-256 hash is stored."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.clock import utcnow
from storage.errors import InvalidInput
from storage.lookup import get_or_not_found
from storage.models import ApiKey, Unit

PREFIX = "dt_"


def hash_key(raw: str) -> str:
    # Keys are 32 random bytes, so a fast hash is enough; argon2 would only slow every request.
    return hashlib.sha256(raw.encode()).hexdigest()


def create_api_key(session: Session, *, name: str, unit_id: int | None = None) -> tuple[ApiKey, str]:
    """The stored key and its raw value, which is never stored and cannot be shown again."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("Tên khóa API không hợp lệ.", code="bad_name")
    if session.scalars(select(ApiKey.id).where(ApiKey.name == name)).first() is not None:
        raise InvalidInput(f"Khóa API «{name}» đã có.", code="duplicate_name")
    if unit_id is not None:
        get_or_not_found(session, Unit, unit_id)
    raw = PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, key_hash=hash_key(raw), unit_id=unit_id)
    session.add(key)
    session.flush()
    return key, raw


def find_api_key(session: Session, raw: str) -> ApiKey | None:
    if not raw:
        return None
    key = session.scalars(select(ApiKey).where(ApiKey.key_hash == hash_key(raw.strip()))).first()
    if key is None or key.revoked_at is not None:
        return None
    return key


def revoke_api_key(session: Session, key_id: int) -> ApiKey:
    key = get_or_not_found(session, ApiKey, key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    session.flush()
    return key
