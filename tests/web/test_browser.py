"""The whole loop in real Chromium: citizens ask on the web chat, an organiser triages and answers,
the citizens read the answer in their chat. Screenshots of the main screens are saved on the way."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from doithoai.demo import load_demo
from doithoai.runtime import console_app
from harness.servers import free_port, serve_app
from storage.actions import users
from storage.db import make_engine, make_sessionmaker
from storage.lookup import get_unit_by_code
from storage.models import Outbox, Question, StatusEvent
from tests.web.helpers import PASSWORD, ConsoleContext, console_settings

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser
QUESTIONS = ["Đèn điện đường ấp 3 xã Hòa An hư hết, ban đêm rất tối, đề nghị sửa",
             "Đèn điện đường ở ấp 3 Hòa An bị hư, tối quá không ai sửa"]
ANSWER = "Phòng Kinh tế huyện đã khảo sát; tuyến đèn ấp 3 sẽ được thay mới trước ngày 20/12/2026."


@pytest.fixture
def server(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[str, ConsoleContext]]:
    engine = make_engine(sqlite_url)
    port = free_port()
    ctx = ConsoleContext(sessions=make_sessionmaker(engine),
                         settings=console_settings(tmp_path, public_url=f"http://127.0.0.1:{port}"))
    with ctx.transaction() as s:
        load_demo(s, ctx.analyzer)
        users.create_user(s, username="xa.phuongbinh", role="organiser", password=PASSWORD,
                          unit_id=get_unit_by_code(s, "CT-PB").id, full_name="Tổ giúp việc Đảng ủy xã Phương Bình")
    with serve_app(console_app(ctx), port=port, lifespan="off") as base:
        yield base, ctx
    engine.dispose()


def test_citizens_ask_organiser_answers_citizens_read(
        server: tuple[str, ConsoleContext], tmp_path: Path, new_page: Callable[..., Page],
        ask_on_web_chat: Callable[[str, str], tuple[Page, str]]) -> None:
    from playwright.sync_api import expect

    base, ctx = server
    shots = Path(os.environ.get("DOITHOAI_SCREENSHOTS", str(tmp_path / "shots")))
    shots.mkdir(parents=True, exist_ok=True)
    citizens = []
    for text in QUESTIONS:
        page, ticket = ask_on_web_chat(f"{base}/chat/PB2026", text)  # the field the bot guessed is accepted
        assert ticket.startswith("CT-2026-")
        citizens.append(page)

    org = new_page(1440, 1000)
    org.goto(f"{base}/meetings")
    org.screenshot(path=str(shots / "login.png"))
    org.get_by_label("Tên đăng nhập").fill("xa.phuongbinh")
    org.get_by_label("Mật khẩu").fill(PASSWORD)
    org.get_by_role("button", name="Đăng nhập").click()
    expect(org.get_by_role("heading", name="Hội nghị tiếp xúc, đối thoại")).to_be_visible()
    org.screenshot(path=str(shots / "meetings.png"), full_page=True)
    org.get_by_role("link", name=re.compile("Bí thư Đảng ủy xã Phương Bình")).first.click()
    expect(org.locator("tr.qrow")).to_have_count(5)
    org.screenshot(path=str(shots / "queue.png"), full_page=True)

    # Merge the two citizens' questions: select both rows, then "Gộp trùng".
    for text in QUESTIONS:
        org.locator("tr.qrow", has_text=text[:30]).locator('input[name="qid"]').check()
    expect(org.locator("#selected-count")).to_have_text("2")
    org.get_by_role("button", name="Gộp trùng").click()
    expect(org.locator(".flash")).to_contain_text("Đã gộp: 2 câu hỏi.")
    expect(org.get_by_text("2 người cùng hỏi")).to_be_visible()

    org.locator("tr.qrow", has_text="2 người cùng hỏi").get_by_role("link").first.click()
    org.get_by_label("Lĩnh vực", exact=True).select_option("giao_thong")
    org.locator('form[action$="/field"] button').click()
    expect(org.locator(".flash")).to_contain_text("Đã lưu lĩnh vực.")
    org.get_by_label("Cơ quan").select_option(label="Phòng Kinh tế xã Phương Bình")
    org.get_by_label("Hạn xử lý").fill("2026-12-20")
    org.get_by_role("button", name="Giao", exact=True).click()
    expect(org.locator(".flash")).to_contain_text("Đã giao cơ quan giải quyết.")
    org.locator('textarea[name="text"]').fill(ANSWER)
    org.get_by_label("Trạng thái sau khi trả lời").select_option("in_progress")
    org.get_by_role("button", name="Xem trước").click()
    expect(org.locator("#preview")).to_contain_text("Trả lời câu hỏi mã")
    org.screenshot(path=str(shots / "question.png"), full_page=True)
    org.get_by_role("button", name="Gửi trả lời").click()
    expect(org.locator(".flash")).to_contain_text("Đã gửi trả lời")
    answers = org.locator("#deliveries tbody tr", has_text="Trả lời câu hỏi mã")
    expect(answers).to_have_count(2)

    for page in citizens:
        expect(page.locator(".msg.answer", has_text=ANSWER)).to_have_count(1, timeout=15_000)
    citizens[0].screenshot(path=str(shots / "webchat-answer.png"))
    org.reload()
    expect(answers.locator(".dl-sent")).to_have_count(2)

    org.goto(f"{base}/reports")
    expect(org.locator("table.report").first).to_contain_text("Tổng cộng")
    org.wait_for_load_state("networkidle")
    org.screenshot(path=str(shots / "reports.png"), full_page=True)
    org.goto(f"{base}/meetings")
    org.get_by_role("link", name="Áp phích").first.click()
    org.screenshot(path=str(shots / "poster.png"), full_page=True)

    with ctx.sessions() as s:
        asked = select(Question.id).join(Question.meeting).where(Question.meeting.has(code="PB2026"))
        rows = s.scalars(select(Outbox).where(Outbox.reply_id.is_not(None), Outbox.question_id.in_(asked))).all()
        assert len(rows) == 2 and all(r.status == "sent" for r in rows)
        merged = s.scalars(select(Question).join(Question.meeting).where(
            Question.duplicate_of_id.is_not(None), Question.meeting.has(code="PB2026"))).all()
        assert len(merged) == 1
        kinds = set(s.scalars(select(StatusEvent.kind).where(StatusEvent.question_id == merged[0].duplicate_of_id)))
        assert {"correction", "assign", "reply"} <= kinds
        assert "merge" in set(s.scalars(select(StatusEvent.kind).where(StatusEvent.question_id == merged[0].id)))
