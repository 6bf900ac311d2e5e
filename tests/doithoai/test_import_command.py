"""`doithoai import` on SQLite and PostgreSQL: every bad row reported by its number, every good row
kept; worker processes give the same database as none; an XLSX file reads like a CSV file."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import distinct, func, select
from typer.testing import CliRunner

from doithoai.cli import app
from doithoai.config import get_settings
from doithoai.importer import worker_count
from harness.factories import make_world
from nlp import classify
from storage.db import make_engine, make_sessionmaker, session_scope
from storage.models import Question
from vntext import vn_int

HEADER = ["meeting_code", "text", "field", "status", "created_at", "answer"]
PLACES = ["ấp 1", "ấp 2", "kênh Xà No", "chợ Ngã Bảy", "tổ 4", "đường Trần Hưng Đạo"]
PROBLEMS = ["đường bị hư nặng, xe đi lại khó khăn", "mất điện nhiều ngày", "nước sinh hoạt bị đục",
            "rác thải không được thu gom", "trẻ em chưa được cấp thẻ bảo hiểm y tế"]
# Row number -> what is wrong with it (the header is row 1).
BAD = {5: "KHONGCO", 9: "xyz", 14: "NUL", 20: "31/02/2021", 23: "giao thong nong thon"}


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "model.joblib"
    classify.load_or_train(path)
    return path


@pytest.fixture
def cli(db_url: str, model: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("DOITHOAI_DATABASE_URL", db_url)
    monkeypatch.setenv("DOITHOAI_MODEL_PATH", str(model))
    get_settings.cache_clear()
    engine = make_engine(db_url)
    with session_scope(make_sessionmaker(engine)) as s:
        make_world(s)
    engine.dispose()
    yield CliRunner()
    get_settings.cache_clear()


def rows(n: int = 40) -> list[list[str]]:
    out = []
    for number in range(2, n + 2):
        text = f"Ở {PLACES[number % len(PLACES)]}, {PROBLEMS[number % len(PROBLEMS)]}"
        row = ["MA" if number % 3 else "MB", text, ["", "giao_thong", "Điện"][number % 3],
               ["resolved", "Đang thực hiện", "received"][number % 3], f"{number % 28 + 1:02d}/03/2022",
               "Đã trả lời tại hội nghị." if number % 4 == 0 else ""]
        bad = BAD.get(number)
        if bad == "KHONGCO":
            row[0] = bad
        elif bad in ("xyz", "giao thong nong thon"):
            row[2] = bad
        elif bad == "NUL":
            row[1] = row[1][:5] + "\x00" + row[1][5:]
        elif bad:
            row[4] = bad
        out.append(row)
    return out


def write_csv(path: Path, data: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(data)
    return path


def stored(db_url: str) -> dict[str, dict[int, tuple[object, ...]]]:
    """Per imported file, per row number: the question as stored, its proposed duplicate by row number."""
    engine = make_engine(db_url)
    with engine.connect() as conn:
        questions = conn.execute(select(
            Question.id, Question.idempotency_key, Question.ticket, Question.original_text, Question.confirmed_field,
            Question.suggested_field, Question.confidence, Question.needs_review, Question.status,
            Question.proposed_duplicate_of_id)).all()
    engine.dispose()
    keys = {q.id: str(q.idempotency_key) for q in questions}
    out: dict[str, dict[int, tuple[object, ...]]] = {}
    for q in questions:
        _, source, number = keys[q.id].split(":")
        proposed = int(keys[q.proposed_duplicate_of_id].split(":")[2]) if q.proposed_duplicate_of_id else None
        out.setdefault(source, {})[int(number)] = (
            str(q.ticket)[:8], q.original_text, q.confirmed_field, q.suggested_field, q.confidence, q.needs_review,
            q.status, proposed)
    return out


def test_bad_rows_reported_by_number_good_rows_kept(cli: CliRunner, db_url: str, tmp_path: Path) -> None:
    result = cli.invoke(app, ["import", str(write_csv(tmp_path / "old.csv", rows())), "--batch-size", "7"])
    assert result.exit_code == 2, result.output
    assert "Đã nhập 35 câu hỏi; 5 dòng lỗi." in result.output
    reported = {int(n): message for n, message in re.findall(r"Dòng (\d+): (.+)", result.output)}
    assert sorted(reported) == sorted(BAD)
    assert "KHONGCO" in reported[5] and "xyz" in reported[9] and "NUL" in reported[14]
    assert "31/02/2021" in reported[20] and "giao thong nong thon" in reported[23]
    (questions,) = stored(db_url).values()
    assert sorted(questions) == [n for n in range(2, 42) if n not in BAD]
    assert {q[2] for q in questions.values()} == {None, "giao_thong", "dien"}
    assert {q[0] for q in questions.values()} == {"HG-2022-"}
    again = cli.invoke(app, ["import", str(tmp_path / "old.csv")])
    assert "Đã nhập 0 câu hỏi; 5 dòng lỗi." in again.output and "35 câu đã có từ lần nhập trước" in again.output


def test_workers_store_what_one_process_stores(cli: CliRunner, db_url: str, tmp_path: Path) -> None:
    data = rows(90)
    alone = write_csv(tmp_path / "alone.csv", data)
    pooled = write_csv(tmp_path / "pooled.csv", data)
    with pooled.open("a", encoding="utf-8") as fh:
        fh.write("\n")  # the same rows in another file: imported again, not skipped
    one = cli.invoke(app, ["import", str(alone), "--batch-size", "9", "--workers", "0"])
    two = cli.invoke(app, ["import", str(pooled), "--batch-size", "9", "--workers", "2"])
    assert one.exit_code == two.exit_code == 2
    assert "Đã nhập 85 câu hỏi" in one.output and "Đã nhập 85 câu hỏi" in two.output
    by_file = list(stored(db_url).values())
    assert len(by_file) == 2 and len(by_file[0]) == 85
    assert by_file[0] == by_file[1]
    assert sum(1 for q in by_file[0].values() if q[-1] is not None) > 10


def test_xlsx_reads_like_csv(cli: CliRunner, db_url: str, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows():
        # A worksheet cannot hold a NUL: that row has no text instead.
        sheet.append([None if "\x00" in v else v for v in row])
    book.save(tmp_path / "old.xlsx")
    result = cli.invoke(app, ["import", str(tmp_path / "old.xlsx")])
    assert "Đã nhập 35 câu hỏi; 5 dòng lỗi." in result.output
    assert sorted(int(n) for n in re.findall(r"Dòng (\d+):", result.output)) == sorted(BAD)


def test_worker_count_follows_file_size_and_cpus() -> None:
    assert worker_count(500, cpus=8) == 0
    assert worker_count(176_386, cpus=2) == 2
    assert worker_count(176_386, cpus=16) == 4
    assert worker_count(176_386, cpus=1) == 1


def test_a_file_without_its_columns_is_refused_in_vietnamese(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("ma,noi\nMA,Đường ấp 3 hư\n", encoding="utf-8")
    result = cli.invoke(app, ["import", str(path)])
    assert result.exit_code == 1 and "thiếu cột «mã hội nghị», «nội dung»" in result.output
    assert "Traceback" not in result.output


def test_blank_rows_are_passed_over_and_numbers_kept(cli: CliRunner, db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "gaps.csv"
    path.write_text("Mã hội nghị,Nội dung,Ngày\nMA,Đường ấp 3 hư,01/02/2022\n,,\n\nMA,Cầu ấp 5 gãy,30/02/2022\n",
                    encoding="utf-8")
    result = cli.invoke(app, ["import", str(path)])
    assert "Đã nhập 1 câu hỏi; 1 dòng lỗi." in result.output and "Dòng 5:" in result.output


def test_a_csv_not_in_utf8_is_refused_in_vietnamese(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "utf16.csv"
    path.write_bytes("meeting_code,text\nMA,Đường ấp 3 hư\n".encode("utf-16"))
    result = cli.invoke(app, ["import", str(path)])
    assert result.exit_code == 1 and "không ở mã UTF-8" in result.output and "Traceback" not in result.output


def _workers(pid: int) -> set[int]:
    """The worker processes of a running import (not multiprocessing's resource tracker)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            for child in (task / "children").read_text().split():
                if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                    found.add(int(child))
        except OSError:  # a process that ended meanwhile
            continue
    return found


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_killed_mid_import_it_continues_where_it_stopped(cli: CliRunner, db_url: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "long.csv", rows(12_000))
    engine = make_engine(db_url)

    def count() -> int:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(Question)).scalar_one())

    command = [sys.executable, "-m", "doithoai", "import", str(path), "--batch-size", "50", "--workers", "2"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()

    def some_batches_in() -> bool:
        assert proc.poll() is None, "the import ended before it could be killed"
        workers.update(_workers(proc.pid))
        return count() >= 300

    try:
        _wait_for(some_batches_in, "the import stores its first batches")
        proc.kill()
    finally:
        proc.wait()
    assert len(workers) == 2
    _wait_for(lambda: not any(Path(f"/proc/{w}").exists() for w in workers), "the workers end with the import")
    stored = count()
    assert 300 <= stored < 11_995
    result = cli.invoke(app, ["import", str(path)])
    assert f"Đã nhập {vn_int(11_995 - stored)} câu hỏi; 5 dòng lỗi." in result.output
    assert f"{vn_int(stored)} câu đã có từ lần nhập trước" in result.output
    with engine.connect() as conn:
        keys = conn.execute(select(func.count(), func.count(distinct(Question.idempotency_key)))).one()
    engine.dispose()
    assert tuple(keys) == (11_995, 11_995)
