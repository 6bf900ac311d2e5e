"""Zalo Official Account webhook events: the signature check and channel-neutral messages.

References (developers.zalo.me/docs/official-account/webhook/...):
- signature (webhook/tong-quan, «xác thực webhook»): header `X-ZEvent-Signature: mac=<hex>`, where
  hex = sha256(app_id + <raw request body> + <the body's "timestamp"> + <OA secret key>). The OA secret
  key is the OA's own key shown when the app is linked to the OA, not the app's secret key. Some
  deliveries have been seen without the `mac=` prefix: both readings are accepted.
- events (webhook/tong-quan and its event pages): `{"app_id", "user_id_by_app", "event_name", "timestamp": "<ms>",
  "sender": {"id"}, "recipient": {"id": <oa id>}, "message": {"msg_id", "text" | "attachments"}}`, an
  attachment `{"type": "image"|"file"|..., "payload": {"url", "thumbnail", "name", "size", "type"}}`
  (`size` seen as a number and as a string).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from bot import messages
from bot.messages import Incoming

CHANNEL = "zalo_oa"
SIGNATURE_HEADER = "X-ZEvent-Signature"
log = logging.getLogger("doithoai.zalo_oa")

_KINDS = {
    "user_send_image": messages.PHOTO,
    "user_send_gif": messages.PHOTO,
    "user_send_file": messages.DOCUMENT,
    "user_send_audio": messages.VOICE,
    "user_send_sticker": messages.STICKER,
    "user_send_location": messages.LOCATION,
}


def signature(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    return hashlib.sha256(app_id.encode() + raw_body + timestamp.encode() + oa_secret_key.encode()).hexdigest()


def signed(raw_body: bytes, body: dict[str, Any], header: str, app_id: str, oa_secret_key: str) -> bool:
    """Whether the request comes from Zalo for this app; an unsigned or mis-signed one is not."""
    given = header.strip()
    if given.lower().startswith("mac="):
        given = given[4:].strip()
    timestamp = str(body.get("timestamp") or "")
    if not given or not timestamp or not app_id or not oa_secret_key:
        return False
    return hmac.compare_digest(given.lower(), signature(app_id, raw_body, timestamp, oa_secret_key))


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _attachment(msg: dict[str, Any]) -> dict[str, Any]:
    items = msg.get("attachments")
    first = _obj(items[0]) if isinstance(items, list) and items else {}
    return _obj(first.get("payload"))


def _size(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def incoming_from_event(body: dict[str, Any]) -> Incoming | None:
    """A follower's message in channel-neutral form; None (logged) for other events or a missing sender."""
    event = str(body.get("event_name") or "")
    if not event.startswith("user_send_"):
        log.info("Zalo OA event %r needs no answer", event[:60])
        return None
    sender, msg = _obj(body.get("sender")), _obj(body.get("message"))
    user = str(sender.get("id") or "")
    if not user:
        log.info("Zalo OA event %r without a sender ignored", event[:60])
        return None
    uid = str(msg.get("msg_id") or "") or (f"{user}:{body['timestamp']}" if body.get("timestamp") else None)
    uid = uid[:64] if uid else None
    if event == "user_send_text":
        return messages.text_incoming(CHANNEL, user, user, str(msg.get("text") or ""), uid)
    kind = _KINDS.get(event, messages.OTHER)
    if kind == messages.OTHER:
        log.info("Zalo OA event of unknown kind %r answered as «other»", event[:60])
    payload = _attachment(msg)
    mime = str(payload.get("type") or "") if kind == messages.DOCUMENT else "image/jpeg"
    return Incoming(CHANNEL, user, user, kind=kind, text=str(msg.get("text") or ""), update_id=uid,
                    file_ref=str(payload.get("url") or "") or None, file_name=payload.get("name") or None,
                    mime_type=(mime if "/" in mime else None) if kind in (messages.PHOTO, messages.DOCUMENT) else None,
                    file_size=_size(payload.get("size")))
