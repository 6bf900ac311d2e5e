"""`doithoai assign`, `doithoai notify --due`, `doithoai user create --email`, `question list --json`."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from doithoai.cli import app
from doithoai.config import get_settings
from doithoai.context import Services
from harness.factories import ask, make_citizen, make_world
from storage import workdays
from storage.models import Citizen, Outbox, Question, StatusEvent, User


@pytest.fixture
def ctx(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Services:
    monkeypatch.setenv("DOITHOAI_DATABASE_URL", sqlite_url)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    return Services()


def test_assign_notify_and_json(ctx: Services) -> None:
    with ctx.transaction() as s:
        world = make_world(s)
        ticket = ask(s, world.meeting_a, "Đường vào ấp 3 bị hư nặng").ticket or ""
        other = ask(s, world.meeting_a, "Nước sạch ấp 4").ticket or ""
    runner = CliRunner()
    r = runner.invoke(app, ["user", "create", "--username", "cq.a", "--role", "agency", "--unit", "A",
                            "--agency", "Phòng Kinh tế huyện A", "--password", "mot-mat-khau-dai",
                            "--email", "cq.a@example.vn"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["user", "create", "--username", "x.y", "--role", "admin", "--email", "khong hop le"])
    assert r.exit_code == 1 and "không hợp lệ" in r.output
    r = runner.invoke(app, ["assign", ticket, "--agency", "Phòng Kinh tế huyện A", "--urgency", "urgent"])
    due = workdays.add_working_days(workdays.today(), 3)
    assert r.exit_code == 0, r.output
    assert f"hạn {due:%d/%m/%Y} (mức khẩn)" in r.output
    past = (workdays.today() - timedelta(days=5)).strftime("%d/%m/%Y")
    r = runner.invoke(app, ["assign", other, "--agency", "Phòng Kinh tế huyện A", "--due", past])
    assert r.exit_code == 1 and "--yes" in r.output
    r = runner.invoke(app, ["assign", other, "--agency", "Phòng Kinh tế huyện A", "--due", past, "--yes"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["assign", other, "--agency", "Không có"])
    assert r.exit_code == 1 and "doithoai agency list" in r.output
    r = runner.invoke(app, ["assign", other, "--agency", "1", "--due", "31/02/2026"])
    assert r.exit_code == 1 and "dd/mm/yyyy" in r.output

    r = runner.invoke(app, ["notify", "--due"])
    assert r.exit_code == 0 and "1 câu hỏi sắp đến hạn hoặc quá hạn; 1 thông báo mới" in r.output
    r = runner.invoke(app, ["notify", "--due"])
    assert "0 thông báo mới" in r.output
    assert runner.invoke(app, ["notify"]).exit_code == 1
    with ctx.transaction() as s:
        assert s.scalars(select(User.email).where(User.username == "cq.a")).one() == "cq.a@example.vn"
        mails = s.scalars(select(Outbox.text).where(Outbox.channel == "email")).all()
        assert any(t.startswith(f"[doithoai] Quá hạn: câu hỏi {other}") for t in mails)

    r = runner.invoke(app, ["question", "list", "--json"])
    rows = {row["ticket"]: row for row in map(json.loads, r.output.splitlines())}
    assert rows[ticket]["status"] == "assigned" and rows[ticket]["urgency"] == "urgent"
    assert rows[ticket]["due_date"] == due.isoformat()


def test_erase_on_request_by_ticket(ctx: Services) -> None:
    """A citizen who asks the office by phone to be forgotten: the organiser erases by the question's code."""
    with ctx.transaction() as s:
        world = make_world(s)
        citizen = make_citizen(s)
        citizen.name, citizen.phone = "Trần Văn Bảy", "0987654321"
        ticket = ask(s, world.meeting_a, "Tôi là Trần Văn Bảy, số 0987654321, đường ấp 5 ngập",
                     citizen=citizen).ticket or ""
    runner = CliRunner()
    r = runner.invoke(app, ["erase", ticket])
    assert r.exit_code == 0 and "--yes" in r.output and "1 câu hỏi" in r.output
    with ctx.transaction() as s:
        assert s.scalars(select(Citizen.name)).one() == "Trần Văn Bảy"  # only said what would go
    r = runner.invoke(app, ["erase", ticket.lower(), "--yes"])
    assert r.exit_code == 0, r.output
    assert f"Đã xóa dữ liệu cá nhân của người hỏi {ticket}" in r.output
    with ctx.transaction() as s:
        row = s.scalars(select(Citizen)).one()
        assert (row.name, row.phone, row.erased_at is not None) == (None, None, True)
        text = s.scalars(select(Question.original_text)).one()
        assert "0987654321" not in text and "Trần Văn Bảy" not in text
        assert s.scalars(select(StatusEvent.actor).where(StatusEvent.kind == "erase")).one() == "cli"
    assert "đã được xóa" in runner.invoke(app, ["erase", ticket, "--yes"]).output
    r = runner.invoke(app, ["erase", "HG-2026-999999", "--yes"])
    assert r.exit_code == 1 and "Traceback" not in r.output
