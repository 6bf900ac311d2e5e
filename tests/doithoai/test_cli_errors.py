"""The CLI tells database troubles apart and never prints a traceback."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from doithoai.cli import app
from doithoai.cli_errors import EXIT_DATABASE
from doithoai.config import get_settings
from storage.dberrors import DatabaseBusy, DatabaseUnreachable, SchemaMissing, translate
from storage.migrate import upgrade


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[CliRunner]:
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def _use(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("DOITHOAI_DATABASE_URL", url)
    get_settings.cache_clear()


def test_before_init_db_says_to_run_it(runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _use(monkeypatch, f"sqlite:///{tmp_path}/new.db")
    for args in (["unit", "list"], ["unit", "create", "--code", "X", "--name", "Xã X", "--level", "xã"]):
        result = runner.invoke(app, args)
        assert result.exit_code == EXIT_DATABASE, result.output
        assert "doithoai init-db" in result.output and "Traceback" not in result.output
        assert "bận" not in result.output


def test_unreachable_database_named_without_password(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    _use(monkeypatch, "postgresql://doithoai:mat-khau-bi-mat@127.0.0.1:1/doithoai?connect_timeout=2")
    for args in (["unit", "list"], ["init-db"]):
        result = runner.invoke(app, args)
        assert result.exit_code == EXIT_DATABASE, result.output
        assert "Không kết nối được cơ sở dữ liệu tại postgresql" in result.output
        assert "doithoai:***@127.0.0.1:1/doithoai" in result.output
        assert "mat-khau-bi-mat" not in result.output and "Traceback" not in result.output


def test_busy_database_is_told_apart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/busy.db"
    upgrade(url)
    holder = sqlite3.connect(tmp_path / "busy.db")
    holder.execute("BEGIN EXCLUSIVE")
    impatient = create_engine(url, connect_args={"timeout": 0})
    with pytest.raises(OperationalError) as caught, impatient.begin() as conn:
        conn.execute(text("INSERT INTO units (code, name, level, path, depth, former_names, created_at) "
                          "VALUES ('X', 'X', 'xã', '/', 0, '', '2026-01-01')"))
    holder.rollback()
    holder.close()
    impatient.dispose()
    assert isinstance(translate(caught.value, url), DatabaseBusy)
    missing = OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: units"))
    assert isinstance(translate(missing, url), SchemaMissing)
    refused = OperationalError("connect", {}, Exception('connection to server at "10.0.0.1" failed: '
                                                         "Connection refused"))
    assert isinstance(translate(refused, url), DatabaseUnreachable)
