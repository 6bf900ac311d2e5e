"""E-mail notices through a real SMTP server on 127.0.0.1: sent once, refused addresses not retried."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.channels.email import EmailSender, SmtpConfig, SmtpUrlError
from bot.delivery import DeliveryWorker
from harness.bot import BotTestContext
from harness.factories import ask
from storage import workdays
from storage.actions import questions, users
from storage.lookup import get_unit_by_code
from storage.models import Agency, Meeting, Outbox, Question
from tests.smtp_server import free_port, smtp_server

PASSWORD = "mat-khau-thu-nghiem-1"


def assign_with_officers(ctx: BotTestContext, *addresses: str) -> str:
    with ctx.transaction() as s:
        agency = s.scalars(select(Agency).order_by(Agency.id)).first()
        assert agency is not None
        for i, address in enumerate(addresses):
            users.create_user(s, username=f"canbo{i}", role="agency", password=PASSWORD, agency_id=agency.id,
                              email=address)
        meeting = s.scalars(select(Meeting).where(Meeting.code == "MA")).one()
        q = ask(s, meeting, "Đường vào ấp Tân Phú hư nặng")
        questions.assign(s, q.id, agency.id, actor="to.a", due_date=workdays.add_working_days(workdays.today(), 3))
        return q.ticket or ""


async def deliver_all(ctx: BotTestContext, worker: DeliveryWorker) -> None:
    for job in worker.claim(100):
        await worker.consume(job)
    await worker.flush()


def outbox(ctx: BotTestContext) -> list[Outbox]:
    with ctx.transaction() as s:
        rows = list(s.scalars(select(Outbox).where(Outbox.channel == "email").order_by(Outbox.id)))
        s.expunge_all()
        return rows


async def test_assignment_email_arrives_once(ctx: BotTestContext) -> None:
    ticket = assign_with_officers(ctx, "canbo@example.vn")
    with smtp_server() as (url, box):
        sender = EmailSender(SmtpConfig.from_url(url), "Tổ giúp việc <todoithoai@example.vn>", rate_per_second=100,
                             console_url="https://doithoai.example.vn/")
        worker = DeliveryWorker(ctx, {"email": sender})
        await deliver_all(ctx, worker)
        await deliver_all(ctx, worker)  # nothing left: no second copy
    assert len(box.messages) == 1
    msg = box.messages[0]
    assert msg["To"] == "canbo@example.vn" and msg["Subject"] == f"[doithoai] Giao xử lý câu hỏi {ticket}"
    assert "todoithoai@example.vn" in msg["From"] and msg["Message-ID"]
    body = msg.get_content()
    assert "Đường vào ấp Tân Phú hư nặng" in body and "Hạn xử lý:" in body
    [row] = outbox(ctx)
    assert row.status == "sent"
    assert body.rstrip().endswith(f"Mở câu hỏi trên trang quản trị: https://doithoai.example.vn/questions/{row.question_id}")


async def test_refused_address_fails_without_retry_and_others_arrive(ctx: BotTestContext) -> None:
    assign_with_officers(ctx, "khongton@example.vn", "co@example.vn")
    with smtp_server() as (url, box):
        worker = DeliveryWorker(ctx, {"email": EmailSender(SmtpConfig.from_url(url), "noreply@example.vn", 100)})
        await deliver_all(ctx, worker)
    assert [m["To"] for m in box.messages] == ["co@example.vn"]
    rows = {r.chat_id: r for r in outbox(ctx)}
    assert rows["khongton@example.vn"].status == "failed" and "550" in (rows["khongton@example.vn"].last_error or "")
    assert rows["co@example.vn"].status == "sent"


async def test_server_down_is_retried_later(ctx: BotTestContext) -> None:
    assign_with_officers(ctx, "canbo@example.vn")
    down = f"smtp://127.0.0.1:{free_port()}"
    worker = DeliveryWorker(ctx, {"email": EmailSender(SmtpConfig.from_url(down, timeout=5), "noreply@example.vn")})
    await deliver_all(ctx, worker)
    [row] = outbox(ctx)
    assert row.status == "pending" and row.attempts == 1 and "Không gửi được thư" in (row.last_error or "")
    # When the server is back and the row is due again, it is delivered.
    with ctx.transaction() as s:
        s.get(Outbox, row.id).next_attempt_at -= timedelta(hours=1)  # type: ignore[union-attr]
    with smtp_server() as (url, box):
        worker = DeliveryWorker(ctx, {"email": EmailSender(SmtpConfig.from_url(url), "noreply@example.vn")})
        await deliver_all(ctx, worker)
    assert len(box.messages) == 1 and outbox(ctx)[0].status == "sent"


def test_smtp_urls() -> None:
    cfg = SmtpConfig.from_url("smtps://hop%40thu:bi%2Fmat@mail.example.vn")
    assert (cfg.scheme, cfg.host, cfg.port, cfg.username, cfg.password) == (
        "smtps", "mail.example.vn", 465, "hop@thu", "bi/mat")
    assert "bi/mat" not in repr(cfg)
    assert SmtpConfig.from_url("smtp://127.0.0.1:1025").port == 1025
    assert SmtpConfig.from_url("smtp+starttls://u:p@h").port == 587
    for bad in ("http://x", "smtp://", "smtp://h:abc"):
        with pytest.raises(SmtpUrlError):
            SmtpConfig.from_url(bad)


def test_escalation_notice_lists_receiving_organisers(ctx: BotTestContext) -> None:
    with ctx.transaction() as s:
        province = get_unit_by_code(s, "HG")
        users.create_user(s, username="to.tinh", role="organiser", password=PASSWORD, unit_id=province.id,
                          email="to.tinh@example.vn")
        meeting = s.scalars(select(Meeting).where(Meeting.code == "MA")).one()
        q = ask(s, meeting, "Cầu sắt ấp 9 sập")
        questions.set_field(s, q.id, "giao_thong", actor="t")
        questions.escalate(s, q.id, actor="to.a")
        assert s.get(Question, q.id).status == "escalated"  # type: ignore[union-attr]
    assert [r.chat_id for r in outbox(ctx)] == ["to.tinh@example.vn"]
