"""The web chat's transcript: each turn's input and replies kept, so a reload shows them again."""

from __future__ import annotations

from bot import texts
from bot.flow.turn import Turn
from bot.messages import BUTTON, COMMAND, DOCUMENT, PHOTO, TEXT
from storage.actions import webchat
from storage.queries import chat

LOOKBACK = 30


def _pressed_label(turn: Turn, data: str) -> str | None:
    """The words of the button pressed, from the bot's recent messages (the request sends its data)."""
    for line in reversed(chat.transcript(turn.session, turn.citizen.id, LOOKBACK)):
        for row in line.buttons or []:
            for button in row:
                if isinstance(button, dict) and button.get("data") == data:
                    return str(button.get("label") or "")
    return None


def citizen_line(turn: Turn) -> str | None:
    inc = turn.incoming
    if inc.kind in (TEXT, COMMAND):
        return inc.text
    if inc.kind == BUTTON:
        return _pressed_label(turn, inc.data or "")
    if inc.kind in (PHOTO, DOCUMENT):
        name = inc.file_name or texts.ATTACHMENT_UNNAMED.get(inc.kind, "")
        return f"{texts.WEB_UI['file']}: {name}"
    return None


def record_turn(turn: Turn) -> None:
    said = citizen_line(turn)
    if said:
        webchat.record_line(turn.session, turn.citizen.id, webchat.CITIZEN, said)
    for out in turn.replies:
        webchat.record_line(turn.session, turn.citizen.id, webchat.BOT, out.text,
                            buttons=out.as_dict()["buttons"] or None)
