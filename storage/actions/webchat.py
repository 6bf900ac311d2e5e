"""The web chat's own records: the transcript shown again after a reload, and the hashed address."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from storage.clock import utcnow
from storage.models import ChatLine, Citizen

CITIZEN = "citizen"
BOT = "bot"


def record_line(session: Session, citizen_id: int, sender: str, text: str, *,
                buttons: list[Any] | None = None, quote: str | None = None) -> ChatLine:
    line = ChatLine(citizen_id=citizen_id, sender=sender, text=text, buttons=buttons or None, quote=quote,
                    at=utcnow())
    session.add(line)
    return line


def erase_lines(session: Session, citizen_id: int) -> int:
    """Forget the transcript (it holds what the citizen typed: names, phone numbers)."""
    result = session.execute(delete(ChatLine).where(ChatLine.citizen_id == citizen_id))
    return int(getattr(result, "rowcount", 0) or 0)


def set_origin(session: Session, citizen_id: int, origin: str) -> None:
    """Remember where the citizen writes from (hashed), for the per-address flood limit."""
    citizen = session.get(Citizen, citizen_id)
    if citizen is not None and citizen.origin != origin:
        citizen.origin = origin
