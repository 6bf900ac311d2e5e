"""One place where the CLI turns errors into a Vietnamese line and an exit code, never a traceback."""

from __future__ import annotations

import logging
from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError
from typer.core import TyperGroup

from doithoai.errors import DoithoaiError
from storage.dberrors import translate
from storage.errors import DomainError

err = Console(stderr=True)
log = logging.getLogger("doithoai.cli")

# Exit codes: 1 refused input, 3 database trouble, 4 bad settings.
EXIT_INPUT, EXIT_DATABASE, EXIT_SETTINGS = 1, 3, 4


def _database_url() -> str:
    from doithoai.config import get_settings

    try:
        return get_settings().database_url
    except ValidationError:
        return ""


def report(exc: BaseException) -> int:
    """Print what went wrong and what to do; the exit code for it."""
    if isinstance(exc, DoithoaiError):
        err.print(f"[red]Lỗi:[/red] {exc.message}", highlight=False, soft_wrap=True)
        return EXIT_INPUT
    if isinstance(exc, DomainError):
        err.print(f"[red]Lỗi:[/red] {exc.message}", highlight=False, soft_wrap=True)
        return EXIT_DATABASE if exc.code.startswith(("database", "schema")) else EXIT_INPUT
    if isinstance(exc, SQLAlchemyError):
        translated = translate(exc, _database_url())
        log.debug("database error", exc_info=exc)
        err.print(f"[red]Lỗi:[/red] {translated.message}", highlight=False, soft_wrap=True)
        return EXIT_DATABASE
    if isinstance(exc, ValidationError):
        names = ", ".join(f"DOITHOAI_{str(e['loc'][0]).upper()}" for e in exc.errors() if e.get("loc"))
        err.print(f"[red]Lỗi cấu hình:[/red] giá trị không hợp lệ ở {names or 'một biến môi trường'}.",
                  highlight=False, soft_wrap=True)
        return EXIT_SETTINGS
    raise exc


class HandledGroup(TyperGroup):
    """The root command group: every subcommand runs inside the same error handling."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (DoithoaiError, DomainError, SQLAlchemyError, ValidationError) as exc:
            raise typer.Exit(report(exc)) from None
