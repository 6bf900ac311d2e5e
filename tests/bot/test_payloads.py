"""Recorded Telegram and Zalo payloads turned into channel-neutral messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot, Update

from bot import messages
from bot.channels import telegram, zalo
from bot.messages import Button, Outgoing

FIXTURES = Path(__file__).parent.parent / "fixtures"


def load(kind: str, name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / kind / f"{name}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def tg(name: str) -> messages.Incoming | None:
    return telegram.incoming_from_update(Update.de_json(load("telegram", name), Bot("1:x")))


def test_telegram_deep_link() -> None:
    inc = tg("start_deep_link")
    assert inc is not None and inc.kind == messages.COMMAND and inc.command == "start" and inc.args == "m_HG2026"
    assert (inc.user_id, inc.chat_id, inc.update_id) == ("123456789", "123456789", "900001")


def test_telegram_callback_and_text() -> None:
    cb = tg("callback_query")
    assert cb is not None and cb.kind == messages.BUTTON and cb.data == "consent:no"
    text = tg("text")
    assert text is not None and text.kind == messages.TEXT and text.text.startswith("Đường vào ấp")


@pytest.mark.parametrize(("name", "kind"), [("photo", messages.PHOTO), ("document", messages.DOCUMENT),
                                             ("voice", messages.VOICE), ("sticker", messages.STICKER),
                                             ("location", messages.LOCATION)])
def test_telegram_non_text(name: str, kind: str) -> None:
    inc = tg(name)
    assert inc is not None and inc.kind == kind


def test_telegram_photo_keeps_largest_size_and_caption() -> None:
    inc = tg("photo")
    assert inc is not None
    assert inc.file_ref == "telegram:AgACAgIAAxkBAAIBlarge" and inc.file_size == 58213 and inc.text == "Ảnh đường ngập"
    doc = tg("document")
    assert doc is not None and doc.file_name == "don-kien-nghi.pdf" and doc.mime_type == "application/pdf"


def test_telegram_edited_message_is_ignored() -> None:
    assert tg("edited_message") is None


def test_telegram_keyboard_and_long_text() -> None:
    out = Outgoing("x", ((Button("Đồng ý", "consent:yes"), Button("Hỏi ẩn danh", "consent:no")),))
    markup = telegram.keyboard(out)
    assert markup is not None and markup.inline_keyboard[0][1].callback_data == "consent:no"
    assert telegram.keyboard(Outgoing("x")) is None
    assert [len(c) for c in telegram.chunks("a" * 9000)] == [4096, 4096, 808]


def test_zalo_payloads() -> None:
    text = zalo.incoming_from_update(load("zalo", "text_received"))
    assert text is not None and text.kind == messages.TEXT and text.text == "Xin chào"
    assert text.update_id == "2d758cb5e222177a4e35" and text.chat_id == "6ede9afa66b88fe6d6a9"
    image = zalo.incoming_from_update(load("zalo", "image_received")["result"])
    assert image is not None and image.kind == messages.PHOTO and image.file_ref.startswith("https://")
    sticker = zalo.incoming_from_update(load("zalo", "sticker_received"))
    assert sticker is not None and sticker.kind == messages.STICKER
    assert zalo.incoming_from_update({"event_name": "message.text.received"}) is None


def test_zalo_renders_numbered_choices() -> None:
    out = Outgoing("Chọn:", ((Button("Đồng ý", "consent:yes"), Button("Hỏi ẩn danh", "consent:no")),))
    assert zalo.render(out).splitlines()[2:4] == ["1. Đồng ý", "2. Hỏi ẩn danh"]
