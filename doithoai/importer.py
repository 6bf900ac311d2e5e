"""Reads CSV and XLSX files of historical questions into ImportRow records."""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterator, Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from doithoai.errors import DoithoaiError
from storage.actions.imports import ImportRow
from storage.clock import LOCAL_TZ, parse_datetime

COLUMNS = {
    "meeting_code": ("meeting_code", "meeting", "ma_hoi_nghi", "mã hội nghị"),
    "text": ("text", "question", "noi_dung", "nội dung"),
    "field": ("field", "linh_vuc", "lĩnh vực"),
    "status": ("status", "trang_thai", "trạng thái"),
    "created_at": ("created_at", "date", "ngay", "ngày"),
    "answer": ("answer", "tra_loi", "trả lời"),
}
REQUIRED = ("meeting_code", "text")


PARALLEL_FROM = 20_000
"""From this many rows on, the analysis runs in worker processes (starting one costs seconds)."""
MAX_WORKERS = 4


def worker_count(rows: int, cpus: int | None = None) -> int:
    """Processes that analyse while the importing one reads and writes: one per CPU, none for a small file."""
    if rows < PARALLEL_FROM:
        return 0
    return max(1, min(MAX_WORKERS, cpus if cpus is not None else os.cpu_count() or 1))


class ImportFileError(DoithoaiError):
    """The file cannot be read at all (wrong type, missing columns); bad rows are reported one by one."""


def _parse_date(value: object) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ)
    return _parse_text_date(str(value).strip())


@lru_cache(maxsize=1 << 14)
def _parse_text_date(text: str) -> datetime:
    """Dates repeat down a file (a meeting's questions share theirs): each is parsed once."""
    try:
        return parse_datetime(text)
    except ValueError:
        raise ValueError(f"ngày «{text}» không đúng dạng dd/mm/yyyy") from None


def _sheet(path: Path) -> Iterator[Sequence[object]]:
    """The header row, then every row, as cells."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            try:
                yield from reader
            except UnicodeDecodeError:
                raise ImportFileError("Tệp CSV không ở mã UTF-8: hãy lưu lại dạng «CSV UTF-8» rồi nhập lại "
                                      "(các dòng trước chỗ lỗi đã được nhập).") from None
            except csv.Error:
                raise ImportFileError(f"Tệp CSV hỏng gần dòng {reader.line_num} (một ô quá dài hoặc dấu ngoặc kép "
                                      "không đóng); các dòng trước đó đã được nhập.") from None
    elif suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        if wb.active is not None:
            yield from wb.active.iter_rows(values_only=True)
        wb.close()
    else:
        raise ImportFileError(f"Chỉ nhận tệp .csv hoặc .xlsx, không nhận «{path.suffix}».")


def _positions(header: Sequence[object]) -> dict[str, int | None]:
    """Where each column is, by any of its names; the text and the meeting are required."""
    names = [str(h or "").strip().lower() for h in header]
    where = {key: next((names.index(a) for a in aliases if a in names), None) for key, aliases in COLUMNS.items()}
    missing = [COLUMNS[key][-1] for key in REQUIRED if where[key] is None]
    if missing:
        raise ImportFileError(f"Dòng đầu của tệp thiếu cột «{'», «'.join(missing)}» "
                              f"(tên cột nhận được: {', '.join(a for key in REQUIRED for a in COLUMNS[key])}).")
    return where


def count_rows(path: Path) -> int:
    """Data rows (without the header), for the progress bar."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        rows = wb.active.max_row if wb.active is not None else 0
        wb.close()
        return max(0, (rows or 1) - 1)
    return max(0, sum(1 for _ in _sheet(path)) - 1)


def source_key(path: Path) -> str:
    """Names the file's content: the same file imported again continues or skips what is in."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def read_rows(path: Path, errors: list[tuple[int, str]]) -> Iterator[ImportRow]:
    """Rows numbered as in the spreadsheet (the header is row 1); unreadable ones go to `errors`,
    empty ones are passed over."""
    sheet = _sheet(path)
    where = _positions(next(sheet, ()))
    for number, cells in enumerate(sheet, start=2):
        values = {key: cells[i] if i is not None and i < len(cells) else None for key, i in where.items()}
        if all(v is None or v == "" for v in values.values()):
            continue
        try:
            created = _parse_date(values["created_at"])
        except ValueError as exc:
            errors.append((number, str(exc)))
            continue
        yield ImportRow(
            number=number,
            meeting_code=str(values["meeting_code"] or "").strip(),
            text=str(values["text"] or ""),
            field=(str(values["field"]).strip() or None) if values["field"] else None,
            status=(str(values["status"]).strip() or None) if values["status"] else None,
            created_at=created,
            answer=str(values["answer"]) if values["answer"] else None,
        )
