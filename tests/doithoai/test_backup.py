"""`doithoai backup` copies a live SQLite database; the copy restores every question."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from doithoai.cli import app
from doithoai.config import get_settings
from doithoai.context import Services
from harness.factories import ask, make_world
from storage.models import Question


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("DOITHOAI_DATABASE_URL", f"sqlite:///{tmp_path}/live.db")
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_backup_while_a_writer_holds_a_transaction_then_restore(runner: CliRunner, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    assert runner.invoke(app, ["init-db"]).exit_code == 0
    with Services().transaction() as s:
        world = make_world(s)
        tickets = {ask(s, world.meeting_a, f"Đường ấp {n} hư").ticket for n in range(30)}
    writer = sqlite3.connect(tmp_path / "live.db")
    writer.execute("BEGIN IMMEDIATE")  # the service is writing; the backup still runs
    writer.execute("UPDATE units SET name = name")
    result = runner.invoke(app, ["backup", str(tmp_path / "copy" / "backup.db")])
    writer.rollback()
    writer.close()
    assert result.exit_code == 0, result.output
    assert "Đã sao lưu" in result.output
    again = runner.invoke(app, ["backup", str(tmp_path / "copy" / "backup.db")])
    assert again.exit_code == 1 and "đã có" in again.output
    # Restore: point the service at the copy.
    monkeypatch.setenv("DOITHOAI_DATABASE_URL", f"sqlite:///{tmp_path}/copy/backup.db")
    get_settings.cache_clear()
    assert runner.invoke(app, ["init-db"]).exit_code == 0
    with Services().transaction() as s:
        restored = set(s.scalars(select(Question.ticket)))
        assert restored == tickets and s.scalar(select(func.count()).select_from(Question)) == 30
    listed = runner.invoke(app, ["question", "list", "--meeting", "MA"])
    assert listed.exit_code == 0 and "Đường ấp" in listed.output


def test_postgres_gets_a_pg_dump_hint(runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOITHOAI_DATABASE_URL", "postgresql://doithoai:bi-mat@db.local:5433/hoinghi")
    get_settings.cache_clear()
    result = runner.invoke(app, ["backup", str(tmp_path / "x.db")])
    assert result.exit_code == 2 and "pg_dump -Fc -h db.local -p 5433 -U doithoai" in result.output
    assert "bi-mat" not in result.output
