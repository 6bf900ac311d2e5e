"""Reads CSV and XLSX files of historical questions into ImportRow records."""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterator
from datetime import datetime
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
    text = str(value).strip()
    try:
        return parse_datetime(text)
    except ValueError:
        raise ValueError(f"ngày «{text}» không đúng dạng dd/mm/yyyy") from None


def _records(path: Path) -> Iterator[dict[str, object]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            yield from csv.DictReader(fh)
    elif suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        rows = wb.active.iter_rows(values_only=True) if wb.active is not None else iter(())
        header = [str(h or "").strip() for h in next(rows, ())]
        for values in rows:
            yield dict(zip(header, values, strict=False))
    else:
        raise ImportFileError(f"Chỉ nhận tệp .csv hoặc .xlsx, không nhận «{path.suffix}».")


def count_rows(path: Path) -> int:
    """Data rows (without the header), for the progress bar."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        rows = wb.active.max_row if wb.active is not None else 0
        wb.close()
        return max(0, (rows or 1) - 1)
    return sum(1 for _ in _records(path))


def source_key(path: Path) -> str:
    """Names the file's content: the same file imported again continues or skips what is in."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def read_rows(path: Path, errors: list[tuple[int, str]]) -> Iterator[ImportRow]:
    """Rows numbered as in the spreadsheet (the header is row 1); unreadable ones go to `errors`."""
    for number, record in enumerate(_records(path), start=2):
        lowered = {str(k).strip().lower(): v for k, v in record.items() if k is not None}
        values: dict[str, object] = {}
        for name, aliases in COLUMNS.items():
            values[name] = next((lowered[a] for a in aliases if a in lowered), None)
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
