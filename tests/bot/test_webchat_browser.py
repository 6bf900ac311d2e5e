"""The web chat page in real Chromium: buttons, the rated answer quoting its question, a reload that
keeps the conversation, commands as buttons, erasure asked first."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from bot.channels import webchat
from harness.bot import BotTestContext
from harness.servers import serve_app
from storage.actions import replies
from storage.models import Question

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser
QUESTION = "Đường vào ấp 3 bị hư nặng, mùa mưa xe không chạy được"
EMOJI = re.compile("[\U0001f000-\U0001ffff\u2600-\u27bf\ufe0f]")


def test_the_web_chat_in_chromium(ctx: BotTestContext,
                                  ask_on_web_chat: Callable[[str, str], tuple[Page, str]]) -> None:
    from playwright.sync_api import expect

    app = FastAPI()
    app.include_router(webchat.make_router(ctx))
    with serve_app(app) as base:
        page, ticket = ask_on_web_chat(f"{base}/chat/MA", QUESTION)
        assert ticket.startswith("HG-2026-")
        assert not EMOJI.search(page.locator("body").inner_text())

        with ctx.transaction() as s:
            q = s.scalars(select(Question)).one()
            replies.reply(s, q.id, "Huyện đã sửa xong đường.", author="officer", status="resolved")
        answer = page.locator(".msg.answer", has_text="Huyện đã sửa xong đường.")
        expect(answer).to_have_count(1, timeout=20_000)
        expect(answer.locator(".quote")).to_contain_text(QUESTION)
        answer.get_by_role("button", name="Chưa hài lòng").click()
        expect(page.locator(".msg.bot").last).to_contain_text("vì sao")
        page.locator("#text").fill("Mới vá một nửa đường")
        page.locator("#text").press("Enter")
        expect(page.locator(".msg.bot").last).to_contain_text("mở lại")

        page.reload()
        expect(page.locator(".msg.me", has_text=QUESTION)).to_have_count(1)
        expect(page.locator(".msg.answer, .msg.bot", has_text="Huyện đã sửa xong đường.")).to_have_count(1)
        expect(page.locator(".msg.me", has_text="Mới vá một nửa đường")).to_have_count(1)

        page.locator("#commands").get_by_role("button", name="Xóa dữ liệu").click()
        confirm = page.locator(".msg.bot").last
        expect(confirm).to_contain_text("có chắc")
        confirm.get_by_role("button", name="Xóa dữ liệu").click()
        expect(page.locator(".msg.bot").last).to_contain_text("Đã xóa")
        page.reload()
        expect(page.locator(".msg.me", has_text=QUESTION)).to_have_count(0)
