"""`doithoai backup`: a consistent copy of a SQLite database while the service runs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from doithoai.errors import DoithoaiError
from storage.dberrors import safe_url


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise DoithoaiError("Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu được.")
    return Path(parsed.database)


def backup_sqlite(source: Path, target: Path, pages_per_step: int = 1024) -> int:
    """SQLite's online backup API: readers and writers go on while pages are copied; returns the size in bytes."""
    if not source.exists():
        raise DoithoaiError(f"Không có tệp cơ sở dữ liệu {source}.")
    if target.exists():
        raise DoithoaiError(f"Tệp {target} đã có; chọn tên khác để không ghi đè bản sao lưu cũ.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst, pages=pages_per_step)
        dst.execute("PRAGMA integrity_check").fetchone()
    finally:
        dst.close()
        src.close()
    partial.replace(target)
    return target.stat().st_size


def postgres_hint(url: str) -> str:
    parsed = make_url(url)
    user = f" -U {parsed.username}" if parsed.username else ""
    host = f" -h {parsed.host}" if parsed.host else ""
    port = f" -p {parsed.port}" if parsed.port else ""
    return (f"Cơ sở dữ liệu là PostgreSQL ({safe_url(url)}): hãy sao lưu bằng pg_dump, ví dụ\n"
            f"  pg_dump -Fc{host}{port}{user} -f doithoai.dump {parsed.database or 'doithoai'}\n"
            f"và phục hồi bằng: pg_restore -d <cơ sở dữ liệu mới> doithoai.dump")
