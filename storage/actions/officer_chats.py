"""A console user links their own Telegram or Zalo chat to receive their notices there too.

The console gives a one-time code (valid LINK_MINUTES); the user sends `/start CODE` to the bot,
which calls `complete_link` with the chat it came from.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.clock import aware, utcnow
from storage.errors import InvalidInput
from storage.lookup import get_or_not_found
from storage.models import OfficerChat, User

CHANNELS = ("telegram", "zalo")
# A Zalo link works from the Zalo bot or from the unit's Zalo Official Account.
VARIANTS: dict[str, tuple[str, ...]] = {"telegram": ("telegram",), "zalo": ("zalo", "zalo_oa")}
LINK_MINUTES = 30
CODE_RE = re.compile(r"LK[A-Z0-9]{10}")


def looks_like_code(text: str | None) -> bool:
    return bool(text) and CODE_RE.fullmatch((text or "").strip().upper()) is not None


def start_link(session: Session, user_id: int, channel: str) -> OfficerChat:
    """A fresh code for `channel`; an earlier code of the same user and channel stops working."""
    if channel not in CHANNELS:
        raise InvalidInput("Chỉ liên kết được Telegram hoặc Zalo.", code="bad_channel")
    get_or_not_found(session, User, user_id)
    row = session.scalars(select(OfficerChat).where(OfficerChat.user_id == user_id,
                                                    OfficerChat.channel.in_(VARIANTS[channel]))).first()
    if row is None:
        row = OfficerChat(user_id=user_id, channel=channel)
        session.add(row)
    row.code = "LK" + "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(10))
    row.code_until = utcnow() + timedelta(minutes=LINK_MINUTES)
    session.flush()
    return row


def complete_link(session: Session, channel: str, chat_id: str, code: str) -> OfficerChat | None:
    """Link the chat the code came from; None when the code is unknown, expired or for another channel."""
    row = session.scalars(select(OfficerChat).where(OfficerChat.code == code.strip().upper())).first()
    base = "zalo" if channel.startswith("zalo") else channel
    if row is None or row.channel not in VARIANTS.get(base, ()) or channel not in VARIANTS.get(base, ()) \
            or row.code_until is None or aware(row.code_until) < utcnow():
        return None
    row.channel = channel
    row.chat_id = chat_id
    row.linked_at = utcnow()
    row.code = None
    row.code_until = None
    session.flush()
    return row


def unlink(session: Session, user_id: int, channel: str) -> None:
    row = session.scalars(select(OfficerChat).where(OfficerChat.user_id == user_id,
                                                    OfficerChat.channel.in_(VARIANTS.get(channel, ())))).first()
    if row is not None:
        session.delete(row)
        session.flush()


def chats_of(session: Session, user_id: int) -> dict[str, OfficerChat]:
    rows = session.scalars(select(OfficerChat).where(OfficerChat.user_id == user_id)).all()
    return {("zalo" if r.channel.startswith("zalo") else r.channel): r for r in rows}
