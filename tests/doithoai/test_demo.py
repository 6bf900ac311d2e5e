"""The demo is two-level (a province-level city and its communes), with a held meeting that has a duplicate
group, an escalated question and published answers; historical three-level data still imports and reports."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from doithoai.cli import app
from doithoai.config import get_settings
from storage import lifecycle, lookup
from storage.actions import meetings
from storage.db import make_engine, make_sessionmaker
from storage.models import Question, Unit
from vntext import LOCAL_TZ


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_file: Path) -> CliRunner:
    monkeypatch.setenv("DOITHOAI_DATABASE_URL", f"sqlite:///{tmp_path}/demo.db")
    monkeypatch.setenv("DOITHOAI_MODEL_PATH", str(model_file))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def run(cli: CliRunner, *args: str) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_two_level_demo(cli: CliRunner) -> None:
    out = run(cli, "demo")
    for account in ("quantri", "thanhpho.ct", "xa.hoaan", "kinhte.hoaan"):
        assert account in out
    for code in ("CT2026", "PB2026", "HA2026"):
        assert code in out
    assert "Các tài khoản mẫu đã có" in run(cli, "demo")  # a second run changes nothing
    engine = make_engine(get_settings().database_url)
    with make_sessionmaker(engine)() as s:
        units = s.scalars(select(Unit)).all()
        assert {u.depth for u in units} == {0, 1} and len([u for u in units if u.depth == 0]) == 1
        held = s.scalars(select(Question).join(Question.meeting).where(Question.meeting.has(code="HA2026"))).all()
        assert any(q.duplicate_of_id for q in held)
        escalated = [q for q in held if q.status == lifecycle.ESCALATED]
        assert len(escalated) == 1 and escalated[0].unit.code == "CT"
        assert any(q.published_at for q in held) and all(q.summary for q in held if q.duplicate_of_id is None)
        assert [q.satisfied for q in held if q.satisfied is not None] == [True, False]
        assert [q.original_text[:7] for q in held if q.reopen_count] == ["Hồ sơ h"]
    engine.dispose()
    report = json.loads(run(cli, "report", "--json"))
    assert [r["label"] for r in report["levels"]["rows"]] == ["Tỉnh", "Xã"]
    assert report["levels"]["total"]["questions"] == 14 and report["levels"]["total"]["groups"] == 13
    commune = report["levels"]["rows"][1]
    assert (commune["rated"], commune["satisfied"], commune["satisfied_rate"], commune["reopened"]) == (2, 1, 0.5, 1)


def test_historical_three_levels_import_and_report(cli: CliRunner, tmp_path: Path) -> None:
    run(cli, "demo")
    run(cli, "unit", "create", "--code", "HG", "--name", "Tỉnh Hậu Giang", "--level", "tỉnh")
    run(cli, "unit", "create", "--code", "HG-PH", "--name", "Huyện Phụng Hiệp", "--level", "huyện", "--parent", "HG")
    run(cli, "unit", "create", "--code", "HG-PH-HA", "--name", "Xã Hòa An", "--level", "xã", "--parent", "HG-PH")
    engine = make_engine(get_settings().database_url)
    with make_sessionmaker(engine)() as s, s.begin():
        for code, unit in (("T2019", "HG"), ("H2019", "HG-PH"), ("X2019", "HG-PH-HA")):
            meetings.create_meeting(s, unit_id=lookup.get_unit_by_code(s, unit).id, code=code, state="held",
                                    title=f"Hội nghị đối thoại năm 2019 ({unit})",
                                    starts_at=datetime(2019, 5, 15, 8, tzinfo=LOCAL_TZ))
    engine.dispose()
    rows = ["meeting_code,text,field,status,created_at,answer",
            "T2019,Đề nghị nâng cấp quốc lộ,giao_thong,resolved,01/05/2019,Đã nâng cấp.",
            "H2019,Đường ấp 3 hư,giao_thong,resolved,02/05/2019,Đã sửa.",
            "H2019,Đê bao sạt lở,nong_nghiep,escalated,02/05/2019,",
            "X2019,Mất điện ấp 5,dien,in_progress,03/05/2019,"]
    source = tmp_path / "2019.csv"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert "Đã nhập 4 câu hỏi" in run(cli, "import", str(source))
    report = json.loads(run(cli, "report", "--unit", "HG", "--year", "2019", "--json"))
    levels = {r["label"]: r for r in report["levels"]["rows"]}
    assert list(levels) == ["Tỉnh", "Huyện", "Xã"]
    assert (levels["Huyện"]["questions"], levels["Huyện"]["resolved"], levels["Huyện"]["escalated"]) == (2, 1, 1)
    assert levels["Xã"]["in_progress"] == 1 and report["levels"]["total"]["meetings"] == 3
