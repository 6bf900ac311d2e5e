"""Database troubles told apart: busy, schema missing, unreachable; each with what to do, in Vietnamese."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from storage.errors import DatabaseUnavailable


class DatabaseBusy(DatabaseUnavailable):
    code = "database_busy"


class SchemaMissing(DatabaseUnavailable):
    code = "schema_missing"


class DatabaseUnreachable(DatabaseUnavailable):
    code = "database_unreachable"


# SQLSTATE codes (PostgreSQL) and message parts (SQLite, drivers) of each kind of trouble.
_BUSY_STATES = {"40001", "40P01", "55P03", "53300", "57014"}
_SCHEMA_STATES = {"42P01", "42703", "3F000"}
_BUSY_TEXT = ("database is locked", "database table is locked", "database is busy", "lock timeout")
_SCHEMA_TEXT = ("no such table", "no such column", "does not exist")
_UNREACHABLE_TEXT = ("could not connect", "connection refused", "connection failed", "unable to open database",
                     "timeout expired", "server closed the connection", "no route to host", "name or service not known",
                     "could not translate host name", "connection to server", "terminating connection")


def safe_url(url: str) -> str:
    """The database URL with its password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(URL không đọc được)"


def translate(exc: SQLAlchemyError, url: str) -> DatabaseUnavailable:
    """The Vietnamese error for a database failure; unknown failures read as "unavailable"."""
    orig = getattr(exc, "orig", None)
    state = str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")
    text = str(orig if orig is not None else exc).lower()
    if state in _SCHEMA_STATES or any(t in text for t in _SCHEMA_TEXT):
        return SchemaMissing("Cơ sở dữ liệu chưa được khởi tạo hoặc chưa được nâng cấp. "
                             "Hãy chạy: doithoai init-db")
    if state in _BUSY_STATES or any(t in text for t in _BUSY_TEXT):
        return DatabaseBusy("Hệ thống đang bận (cơ sở dữ liệu đang bị khóa), vui lòng thử lại sau ít phút.")
    if state.startswith("08") or any(t in text for t in _UNREACHABLE_TEXT) or (
            isinstance(exc, DBAPIError) and exc.connection_invalidated):
        return DatabaseUnreachable(f"Không kết nối được cơ sở dữ liệu tại {safe_url(url)}. "
                                   "Hãy kiểm tra máy chủ cơ sở dữ liệu và DOITHOAI_DATABASE_URL.")
    return DatabaseUnavailable(f"Cơ sở dữ liệu tại {safe_url(url)} đang gặp sự cố, vui lòng thử lại sau.")


def is_database_trouble(exc: SQLAlchemyError) -> bool:
    """Operational failures (and a missing table), as opposed to programming errors of our own."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    if isinstance(exc, OperationalError):
        return True
    if isinstance(exc, ProgrammingError):
        return isinstance(translate(exc, ""), SchemaMissing)
    return False
