"""`doithoai user …`, `doithoai api-key create` and the demo's accounts."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from doithoai.cli import app
from doithoai.config import get_settings
from storage.models import ApiKey, User


@pytest.fixture
def env(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("DOITHOAI_DATABASE_URL", sqlite_url)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    return sqlite_url


def test_user_and_api_key_commands(env: str) -> None:
    from doithoai.context import Services
    from harness.factories import make_world

    ctx = Services()
    with ctx.transaction() as s:
        make_world(s)
    runner = CliRunner()
    r = runner.invoke(app, ["user", "create", "--username", "org.a", "--role", "organiser", "--unit", "A"])
    assert r.exit_code == 0, r.output
    assert "Mật khẩu (chỉ in một lần)" in r.output
    r = runner.invoke(app, ["user", "create", "--username", "cq.a", "--role", "agency", "--unit", "A",
                            "--agency", "Phòng Kinh tế huyện A", "--password", "mot-mat-khau-dai"])
    assert r.exit_code == 0 and "Mật khẩu" not in r.output
    r = runner.invoke(app, ["user", "create", "--username", "x", "--role", "chief", "--unit", "A"])
    assert r.exit_code == 1 and "không hợp lệ" in r.output
    r = runner.invoke(app, ["user", "list"])
    assert "org.a" in r.output and "Phòng Kinh tế" in r.output
    r = runner.invoke(app, ["api-key", "create", "--name", "Cổng DVC"])
    raw = r.output.strip().splitlines()[-1]
    assert r.exit_code == 0 and raw.startswith("dt_")
    with ctx.transaction() as s:
        assert raw not in s.query(ApiKey).one().key_hash
        assert s.query(User).filter(User.username == "cq.a").one().agency_id is not None
    get_settings.cache_clear()


def test_demo_users_once(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    from doithoai.context import Services
    from doithoai.demo import load_demo
    from doithoai.web_commands import demo_users

    ctx = Services()
    with ctx.transaction() as s:
        load_demo(s)
    demo_users(ctx)
    first = capsys.readouterr().out
    assert "quantri" in first and "xa.hoaan" in first and "kinhte.hoaan" in first
    demo_users(ctx)
    assert "đã có từ trước" in capsys.readouterr().out
    with ctx.transaction() as s:
        roles = sorted(u.role for u in s.query(User))
        assert roles == ["admin", "agency", "organiser", "organiser"]
    get_settings.cache_clear()


def test_user_password_resets_and_logs_in(env: str) -> None:
    from doithoai.context import Services
    from harness.factories import make_world
    from storage.actions import users

    ctx = Services()
    with ctx.transaction() as s:
        make_world(s)
    runner = CliRunner()
    assert runner.invoke(app, ["user", "create", "--username", "org.b", "--role", "organiser", "--unit", "B",
                               "--password", "mat-khau-cu-dai"]).exit_code == 0
    r = runner.invoke(app, ["user", "password", "org.b"])
    assert r.exit_code == 0, r.output
    new = r.output.split("Mật khẩu (chỉ in một lần):")[1].split()[0]
    with ctx.transaction() as s:
        assert users.authenticate(s, "org.b", new) is not None
        assert users.authenticate(s, "org.b", "mat-khau-cu-dai") is None
    r = runner.invoke(app, ["user", "password", "khong.co"])
    assert r.exit_code == 1 and "Không có tài khoản" in r.output
    r = runner.invoke(app, ["user", "password", "org.b", "--password", "ngan"])
    assert r.exit_code == 1 and "ít nhất" in r.output
    get_settings.cache_clear()
