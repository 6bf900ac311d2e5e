"""Bot API updates (from getUpdates or the webhook) turned into channel-neutral messages.

Update shape (https://bot.zapps.me/docs/webhook/ and /docs/apis/getUpdates/):
`{"ok": true, "result": {"event_name": "message.text.received", "message": {...}}}`, the message with
`from` {id, display_name, is_bot}, `chat` {id, chat_type: PRIVATE|GROUP}, `message_id` (a string),
`date` (milliseconds since the epoch) and per event `text`, `photo_url`/`photo` + `caption`,
`sticker` + `url`, or `voice_url`. Replies go to `chat.id`.
"""

from __future__ import annotations

import logging
from typing import Any

from bot import messages
from bot.messages import Incoming

CHANNEL = "zalo"
TEXT = "message.text.received"
IMAGE = "message.image.received"
STICKER = "message.sticker.received"
VOICE = "message.voice.received"
# Sent instead of the content for some protected categories of sender; a legitimate event.
UNSUPPORTED = "message.unsupported.received"
log = logging.getLogger("doithoai.zalo")


def unwrap(body: Any) -> dict[str, Any] | None:
    """The update inside the `{"ok", "result"}` envelope; a bare update is accepted too (the SDK's reading)."""
    if not isinstance(body, dict):
        return None
    if "event_name" not in body and isinstance(body.get("result"), dict):
        body = body["result"]
    return body if body else None


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _update_id(msg: dict[str, Any], user: str) -> str | None:
    """`message_id` makes a redelivered update harmless; without it, the sender and the date in ms."""
    if msg.get("message_id"):
        return str(msg["message_id"])[:64]
    if msg.get("date"):
        return f"{user}:{msg['date']}"[:64]
    return None


def incoming_from_update(body: Any) -> Incoming | None:
    """One update in channel-neutral form; None (logged) when it has no message or no sender."""
    update = unwrap(body)
    msg = update.get("message") if update else None
    if not isinstance(msg, dict):
        log.info("Zalo update without a message ignored (event %s)", (update or {}).get("event_name"))
        return None
    sender = _obj(msg.get("from"))
    user = str(sender.get("id") or "")
    chat = str(_obj(msg.get("chat")).get("id") or user)
    if not user or sender.get("is_bot") is True:
        log.info("Zalo update without a usable sender ignored")
        return None
    uid = _update_id(msg, user)
    event = str(update.get("event_name") or "") if update else ""
    if event == TEXT or (not event and isinstance(msg.get("text"), str)):
        return messages.text_incoming(CHANNEL, user, chat, str(msg.get("text") or ""), uid)
    if event == IMAGE:
        return Incoming(CHANNEL, user, chat, kind=messages.PHOTO, text=str(msg.get("caption") or ""),
                        update_id=uid, file_ref=str(msg.get("photo_url") or msg.get("photo") or "") or None,
                        mime_type="image/jpeg")
    if event == STICKER:
        return Incoming(CHANNEL, user, chat, kind=messages.STICKER, update_id=uid)
    if event == VOICE:
        return Incoming(CHANNEL, user, chat, kind=messages.VOICE, update_id=uid,
                        file_ref=str(msg.get("voice_url") or "") or None)
    if event != UNSUPPORTED:
        log.info("Zalo update of unknown kind %r answered as «other»", event[:60])
    return Incoming(CHANNEL, user, chat, kind=messages.OTHER, update_id=uid)
