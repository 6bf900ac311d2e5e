"""Closing the loop in real Chromium, with a real SMTP server on 127.0.0.1 and the outbox worker running:
a citizen asks on the web chat, the organiser assigns (the agency's officer gets the e-mail), the officer
answers resolved, the citizen is not satisfied and says why, the question is back in the agency's inbox,
is answered again, the citizen is satisfied, the organiser publishes and the public page shows it masked."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from bot.channels.email import EmailSender, SmtpConfig
from bot.delivery import DeliveryWorker
from doithoai.runtime import console_app
from harness.factories import make_world
from harness.servers import free_port, serve_app
from storage import lifecycle
from storage.actions import users
from storage.db import make_engine, make_sessionmaker
from storage.models import Outbox, Question
from tests.smtp_server import Mailbox, smtp_server
from tests.web.helpers import PASSWORD, ConsoleContext, console_settings

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser
QUESTION = "Đường vào ấp Tân Phú hư nặng, mùa mưa xe không chạy được"
FIRST = "Phòng Kinh tế đã cho vá ổ gà đường vào ấp Tân Phú ngày 01/12/2026."
WHY = "Mới vá một nửa, đoạn cuối vẫn ngập"
SECOND = "Đoạn cuối đường ấp Tân Phú đã được nâng nền và trải đá xong ngày 05/12/2026; liên hệ 0987654321."
OFFICER_MAIL = "kinhte.a@example.vn"


@dataclass
class Running:
    base: str
    ctx: ConsoleContext
    mailbox: Mailbox


def _deliver(ctx: ConsoleContext, smtp_url: str, stop: threading.Event) -> None:
    """The outbox worker sending e-mail, as `doithoai serve` runs it, until `stop`."""
    async def main() -> None:
        worker = DeliveryWorker(ctx, {"email": EmailSender(SmtpConfig.from_url(smtp_url), "doithoai@example.vn",
                                                           rate_per_second=50, console_url=ctx.settings.public_url)})
        done = asyncio.Event()
        task = asyncio.create_task(worker.run(done))
        while not stop.is_set():
            await asyncio.sleep(0.05)
        done.set()
        await asyncio.wait_for(task, 30)

    asyncio.run(main())


@pytest.fixture
def running(sqlite_url: str, tmp_path: Path) -> Iterator[Running]:
    engine = make_engine(sqlite_url)
    port = free_port()
    ctx = ConsoleContext(sessions=make_sessionmaker(engine),
                         settings=console_settings(tmp_path, public_url=f"http://127.0.0.1:{port}",
                                                   outbox_poll_seconds=0.1))
    with ctx.transaction() as s:
        world = make_world(s)
        users.create_user(s, username="to.a", role="organiser", password=PASSWORD, unit_id=world.district_a.id,
                          full_name="Tổ giúp việc huyện A")
        users.create_user(s, username="kinhte.a", role="agency", password=PASSWORD, agency_id=world.agency_a.id,
                          full_name="Cán bộ Phòng Kinh tế huyện A", email=OFFICER_MAIL)
    stop = threading.Event()
    with serve_app(console_app(ctx), port=port, lifespan="off") as base, smtp_server() as (smtp_url, mailbox):
        worker = threading.Thread(target=_deliver, args=(ctx, smtp_url, stop), daemon=True)
        worker.start()
        yield Running(base, ctx, mailbox)
        stop.set()
        worker.join(timeout=30)
    engine.dispose()


def _login(page: object, base: str, username: str) -> None:
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(f"{base}/inbox")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name=re.compile("Hộp việc"))).to_be_visible()


def _answer(page: object, base: str, ticket: str, text: str) -> None:
    """The officer opens the question from their inbox and answers it, resolved."""
    from playwright.sync_api import Page, expect

    assert isinstance(page, Page)
    page.goto(f"{base}/inbox")
    page.get_by_role("link", name=ticket).first.click()
    page.locator('textarea[name="text"]').fill(text)
    page.get_by_label("Trạng thái sau khi trả lời").select_option("resolved")
    page.get_by_role("button", name="Gửi trả lời").click()
    expect(page.locator(".flash")).to_contain_text("Đã gửi trả lời")


def test_assign_mail_answer_not_satisfied_reopen_answer_again_satisfied(
        running: Running, new_page: Callable[..., Page],
        ask_on_web_chat: Callable[[str, str], tuple[Page, str]]) -> None:
    from playwright.sync_api import expect

    base = running.base
    citizen, ticket = ask_on_web_chat(f"{base}/chat/MA", QUESTION)
    assert ticket.startswith("HG-2026-")

    # The organiser assigns it: urgent, due date counted in working days; the officer gets the e-mail.
    org = new_page(1440, 1000)
    _login(org, base, "to.a")
    org.goto(f"{base}/tickets/{ticket}")
    org.get_by_label("Cơ quan").select_option(label="Phòng Kinh tế huyện A")
    org.locator('select[name="urgency"]').select_option("urgent")
    org.get_by_role("button", name="Giao", exact=True).click()
    expect(org.locator(".flash")).to_contain_text("Đã giao cơ quan giải quyết.")
    due = org.locator("span.due").inner_text()
    [mail] = running.mailbox.wait_for(1)
    assert mail["To"] == OFFICER_MAIL and mail["Subject"] == f"[doithoai] Giao xử lý câu hỏi {ticket}"
    assert f"Hạn xử lý: {due} (mức khẩn" in mail.get_content() and "Đường vào ấp Tân Phú" in mail.get_content()
    link = re.search(r"Mở câu hỏi trên trang quản trị: (\S+)", mail.get_content())
    assert link is not None and link.group(1).startswith(f"{base}/questions/")
    org.reload()
    expect(org.locator("#notices .dl-sent")).to_have_count(1)

    # The officer answers from their inbox, resolved.
    officer = new_page(1440, 1000)
    _login(officer, base, "kinhte.a")
    expect(officer.locator("#assigned")).to_contain_text(ticket)
    officer.goto(link.group(1))  # the e-mail's link opens the question
    expect(officer.get_by_text(QUESTION).first).to_be_visible()
    expect(officer.get_by_role("button", name="Gửi trả lời")).to_be_visible()
    _answer(officer, base, ticket, FIRST)

    # The citizen reads it in the chat, is not satisfied and says why: the question is re-opened.
    first = citizen.locator(".msg.answer", has_text=FIRST)
    expect(first).to_have_count(1, timeout=15_000)
    first.locator("button.rate", has_text="Chưa hài lòng").click()
    expect(citizen.locator(".msg.bot").last).to_contain_text("vì sao", timeout=15_000)
    citizen.locator("#text").fill(WHY)
    citizen.locator("#text").press("Enter")
    expect(citizen.locator(".msg.bot").last).to_contain_text("mở lại", timeout=15_000)

    # Back in the agency's inbox with the citizen's reason; the officer is told by e-mail too.
    officer.goto(f"{base}/inbox")
    reopened = officer.locator("#reopened")
    expect(reopened).to_contain_text(ticket)
    expect(reopened).to_contain_text(WHY)
    mails = running.mailbox.wait_for(2)
    assert any(m["Subject"] == f"[doithoai] Người dân chưa hài lòng: câu hỏi {ticket} được mở lại"
               and m["To"] == OFFICER_MAIL for m in mails)
    _answer(officer, base, ticket, SECOND)

    # The second answer satisfies the citizen.
    second = citizen.locator(".msg.answer", has_text=SECOND)
    expect(second).to_have_count(1, timeout=15_000)
    second.locator("button.rate", has_text="Hài lòng").first.click()
    expect(citizen.locator(".msg.bot").last).to_contain_text("Cảm ơn anh/chị đã đánh giá", timeout=15_000)

    # The organiser publishes the meeting's answers; anyone reads them without logging in, masked.
    with running.ctx.sessions() as s:
        meeting_id = s.scalars(select(Question.meeting_id).where(Question.ticket == ticket)).one()
    org.goto(f"{base}/meetings/{meeting_id}/conclusion")
    org.get_by_role("button", name="Công khai trả lời").click()
    expect(org.locator(".flash")).to_contain_text("Đã công khai 1 nội dung")
    public = new_page()
    public.goto(f"{base}/cong-khai/MA")
    item = public.locator(f"article#{ticket}")
    expect(item).to_contain_text("Đường vào ấp Tân Phú")
    expect(item).to_contain_text("098****321")
    expect(item).not_to_contain_text("0987654321")

    with running.ctx.sessions() as s:
        q = s.scalars(select(Question).where(Question.ticket == ticket)).one()
        assert (q.status, q.satisfied, q.reopen_count) == (lifecycle.RESOLVED, True, 1)
        mails = s.scalars(select(Outbox).where(Outbox.channel == "email")).all()
        assert {m.status for m in mails} == {"sent"} and len(mails) == len(running.mailbox.messages)
