"""Channel-neutral messages: every channel turns its payloads into Incoming and renders Outgoing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# What a citizen can send, whatever the channel.
TEXT = "text"
COMMAND = "command"
BUTTON = "button"
PHOTO = "photo"
DOCUMENT = "document"
VOICE = "voice"
STICKER = "sticker"
LOCATION = "location"
OPEN = "open"  # the web chat page was opened (or reopened)
OTHER = "other"


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Incoming:
    channel: str
    user_id: str
    chat_id: str
    kind: str = TEXT
    text: str = ""
    update_id: str | None = None
    command: str | None = None
    args: str = ""
    data: str | None = None
    file_ref: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None
    # A keyed hash of the sender's network address, where the channel sees one (the web chat).
    origin: str | None = None


@dataclass(frozen=True)
class Outgoing:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)
    # The console page the message is about (`/questions/12`), for a channel that can link to it.
    console_path: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "buttons": [[{"label": b.label, "data": b.data} for b in row]
                                               for row in self.buttons]}

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> Outgoing:
        rows = tuple(tuple(Button(b["label"], b["data"]) for b in row) for row in value.get("buttons", []))
        return cls(text=str(value.get("text", "")), buttons=rows)

    def flat_buttons(self) -> list[Button]:
        return [b for row in self.buttons for b in row]


def numbered_text(out: Outgoing, hint: str) -> str:
    """For channels without buttons: the choices as numbered lines ("1. Đồng ý"), typed back as numbers."""
    options = out.flat_buttons()
    if not options:
        return out.text
    return "\n".join([out.text, "", *(f"{i}. {b.label}" for i, b in enumerate(options, 1)), hint])


def parse_command(text: str) -> tuple[str, str] | None:
    """`/start@bot m_ABC` -> ("start", "m_ABC"); None when the text is no command."""
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) < 2:
        return None
    head, _, args = stripped[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    if not name or not all(c.isalnum() or c == "_" for c in name):
        return None
    return name, args.strip()


def text_incoming(channel: str, user_id: str, chat_id: str, text: str, update_id: str | None = None) -> Incoming:
    """A typed message: a command when it starts with `/name`, plain text otherwise."""
    cmd = parse_command(text)
    if cmd is not None:
        return Incoming(channel, user_id, chat_id, kind=COMMAND, text=text, update_id=update_id,
                        command=cmd[0], args=cmd[1])
    return Incoming(channel, user_id, chat_id, kind=TEXT, text=text, update_id=update_id)
