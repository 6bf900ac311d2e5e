"""One incoming message being handled: the session, the citizen, the conversation data, the replies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from bot.context import BotSettings
from bot.messages import Button, Incoming, Outgoing
from storage.analysis import Analyzer
from storage.models import Citizen


@dataclass
class Turn:
    session: Session
    settings: BotSettings
    analyzer: Analyzer
    citizen: Citizen
    incoming: Incoming
    data: dict[str, Any]
    replies: list[Outgoing] = field(default_factory=list)

    def say(self, text: str, buttons: tuple[tuple[Button, ...], ...] = ()) -> None:
        self.replies.append(Outgoing(text, buttons))

    def send(self, message: Outgoing) -> None:
        self.replies.append(message)

    @property
    def consented(self) -> bool:
        return self.citizen.consent_at is not None
