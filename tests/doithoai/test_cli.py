"""The CLI end to end on a SQLite file: init-db, units, meetings, import, reply, report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from doithoai.cli import app
from doithoai.config import get_settings
from storage.db import make_engine, make_sessionmaker
from storage.models import Unit


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_file: Path) -> CliRunner:
    monkeypatch.setenv("DOITHOAI_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("DOITHOAI_MODEL_PATH", str(model_file))
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(app, ["init-db"]).exit_code == 0
    yield runner
    get_settings.cache_clear()


def run(cli: CliRunner, *args: str) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_units_meetings_import_reply_report(cli: CliRunner, tmp_path: Path) -> None:
    run(cli, "unit", "create", "--code", "HG", "--name", "Tỉnh Hậu Giang", "--level", "tỉnh")
    run(cli, "unit", "create", "--code", "PH", "--name", "Huyện Phụng Hiệp", "--level", "huyện", "--parent", "HG")
    run(cli, "agency", "create", "--unit", "PH", "--name", "Phòng Kinh tế")
    out = run(cli, "meeting", "create", "--unit", "PH", "--title", "Đối thoại với nông dân",
              "--starts", "20/01/2026 08:00", "--state", "open")
    code = out.split("mã ")[1].split(":")[0].strip()
    assert "Huyện Phụng Hiệp" in run(cli, "unit", "list")
    csv_file = tmp_path / "old.csv"
    csv_file.write_text(
        "meeting_code,text,field,status,created_at\n"
        f"{code},Đường ấp 3 hư nặng,giao_thong,received,05/01/2026\n"
        f"{code},,giao_thong,received,05/01/2026\n"
        f"{code},Mất điện,dien,resolved,32/01/2026\n"
        f"{code},Nước sạch ấp 5,nuoc_sach,in_progress,06/01/2026\n",
        encoding="utf-8",
    )
    result = cli.invoke(app, ["import", str(csv_file)])
    assert result.exit_code == 2
    assert "Đã nhập 2 câu hỏi; 2 dòng lỗi." in result.output
    assert "Dòng 3:" in result.output and "Dòng 4:" in result.output
    lines = run(cli, "question", "list", "--meeting", code, "--json").strip().splitlines()
    items = [json.loads(line) for line in lines]
    assert [i["text"] for i in items] == ["Đường ấp 3 hư nặng", "Nước sạch ấp 5"]
    ticket = items[0]["ticket"]
    run(cli, "reply", ticket, "--text", "Huyện đã sửa xong.", "--status", "resolved")
    run(cli, "meeting", "state", code, "held", "--attendance", "1234")
    report = json.loads(run(cli, "report", "--json"))
    district = next(r for r in report["levels"]["rows"] if r["label"] == "Huyện")
    assert district["meetings"] == 1 and district["attendances"] == 1234
    assert district["questions"] == 2 and district["resolved"] == 1 and district["in_progress"] == 1
    assert district["resolved_rate"] == 0.5 and district["groups"] == 2
    assert report["fields"]["total"]["questions"] == report["months"]["total"]["questions"] == 2
    published = run(cli, "publish", code)
    listed = [json.loads(line) for line in run(cli, "question", "list", "--meeting", code, "--json").splitlines()]
    assert [i["published"] for i in listed] == [True, False]
    assert "Đã công khai 1 nội dung (1 câu hỏi)" in published and "Còn 1 nội dung chưa có trả lời" in published
    assert cli.invoke(app, ["publish", "KHONGCO"]).exit_code == 1
    table = run(cli, "report")
    assert "1.234" in table and "50,00%" in table
    for title in ("Theo cấp", "Theo lĩnh vực", "Theo cơ quan giải quyết", "Theo thời gian"):
        assert title in table


def test_errors_are_clear_not_tracebacks(cli: CliRunner) -> None:
    result = cli.invoke(app, ["reply", "XX-2026-000001", "--text", "a"])
    assert result.exit_code == 1
    assert "Không tìm thấy câu hỏi" in result.output
    result = cli.invoke(app, ["unit", "create", "--code", "A", "--name", "B", "--level", "xã", "--parent", "ZZ"])
    assert result.exit_code == 1 and "ZZ" in result.output
    result = cli.invoke(app, ["meeting", "create", "--unit", "ZZ", "--title", "t", "--starts", "hôm nay"])
    assert result.exit_code == 1


def test_unit_letterhead(cli: CliRunner) -> None:
    run(cli, "unit", "create", "--code", "HA", "--name", "Xã Hòa An", "--level", "xã")
    run(cli, "unit", "letterhead", "HA", "--signer-name", "Trần Thị Cúc", "--place", "Hòa An",
        "--recipients", "Thường trực Đảng ủy xã; Các ấp")
    engine = make_engine(get_settings().database_url)
    with make_sessionmaker(engine)() as s:
        unit = s.scalars(select(Unit).where(Unit.code == "HA")).one()
        assert (unit.doc_signer_name, unit.doc_place, unit.doc_symbol) == ("Trần Thị Cúc", "Hòa An", "")
        assert unit.doc_recipients == "Thường trực Đảng ủy xã\nCác ấp"
    engine.dispose()
    result = cli.invoke(app, ["unit", "letterhead", "ZZ", "--place", "x"])
    assert result.exit_code == 1 and "ZZ" in result.output
    result = cli.invoke(app, ["unit", "letterhead", "HA", "--symbol", "X" * 41])
    assert result.exit_code == 1 and "dài quá 40 ký tự" in result.output
