"""CLI commands for an office's scripted work: assign a question, the daily due-date reminders, an erasure."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session

from doithoai.context import Services
from storage import queries, workdays
from storage.actions import citizens, notify
from storage.actions import console as moves
from storage.errors import DomainError, InvalidInput
from storage.models import Agency
from storage.reach import Reach

__all__ = ["register"]

err = Console(stderr=True)


def parse_day(value: str) -> date:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise InvalidInput(f"Ngày «{value}» không đúng dạng dd/mm/yyyy.", code="bad_date")


def find_agency(session: Session, name: str) -> Agency:
    """An agency by number or by its exact name; a name used by several units must be given by number."""
    if name.strip().isdigit():
        found = session.get(Agency, int(name.strip()))
        if found is None:
            raise InvalidInput(f"Không có cơ quan số {name.strip()}.", code="unknown_agency")
        return found
    rows = list(session.scalars(select(Agency).where(Agency.name == " ".join(name.split()))))
    if not rows:
        raise InvalidInput(f"Không có cơ quan «{name}» (xem: doithoai agency list).", code="unknown_agency")
    if len(rows) > 1:
        numbers = ", ".join(f"{a.id} ({a.unit.name})" for a in rows)
        raise InvalidInput(f"Có {len(rows)} cơ quan tên «{name}»; dùng số của cơ quan: {numbers}.",
                           code="ambiguous_agency")
    return rows[0]


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]Lỗi:[/red] {message}")
    return typer.Exit(1)


def register(app: typer.Typer) -> None:
    @app.command("assign")
    def assign(
        ticket: Annotated[str, typer.Argument(help="Ticket code, e.g. HG-2026-000123.")],
        agency: Annotated[str, typer.Option(help="Agency name (exact) or number, see `doithoai agency list`.")],
        due: Annotated[str | None, typer.Option(help="Due date dd/mm/yyyy; default: counted in working days.")] = None,
        urgency: Annotated[str, typer.Option(help="normal, urgent or very_urgent (working days per unit).")] = "normal",
        yes: Annotated[bool, typer.Option("--yes", help="Accept a due date already past.")] = False,
    ) -> None:
        """Assign a question (and its duplicates) to an agency; its officers are notified."""
        ctx = Services()
        try:
            with ctx.transaction() as session:
                question = queries.get_question_by_ticket(session, ticket, Reach.admin())
                found = find_agency(session, agency)
                done = moves.assign(session, Reach.admin(actor="cli"), question.id, found.id,
                                    due_date=parse_day(due) if due else None, urgency=urgency, confirm_past=yes)
                message = (f"Đã giao câu hỏi {done.ticket} cho {found.name}, hạn {done.due_date:%d/%m/%Y} "
                           f"(mức {workdays.label(done.urgency).lower()}).")
        except moves.NeedsConfirmation as exc:
            raise _fail(f"{exc.message} Thêm --yes để xác nhận.") from None
        except DomainError as exc:
            raise _fail(exc.message) from None
        typer.echo(message)

    @app.command("notify")
    def notify_cmd(
        due: Annotated[bool, typer.Option("--due", help="Remind agencies of due dates near or past (daily run).")]
        = False,
        today: Annotated[str | None, typer.Option(help="Run as of this date, dd/mm/yyyy (default: today).")] = None,
    ) -> None:
        """Enqueue the due-date reminders; running it twice a day sends nothing twice."""
        if not due:
            raise _fail("Chọn loại thông báo: --due (nhắc hạn xử lý).")
        ctx = Services()
        try:
            day = parse_day(today) if today else workdays.today()
            with ctx.transaction() as session:
                looked, sent = notify.run_due(session, today=day, soon_days=ctx.settings.due_soon_days)
        except DomainError as exc:
            raise _fail(exc.message) from None
        typer.echo(f"Ngày {day:%d/%m/%Y}: {looked} câu hỏi sắp đến hạn hoặc quá hạn; {sent} thông báo mới "
                  "đưa vào hàng đợi gửi.")

    @app.command("erase")
    def erase_cmd(
        ticket: Annotated[str, typer.Argument(help="Ticket code of one of the citizen's questions.")],
        yes: Annotated[bool, typer.Option("--yes", help="Erase; without it only says what would be erased.")]
        = False,
    ) -> None:
        """Erase the personal data of the citizen who asked a question (a request by phone, letter or in person).

        The same erasure as the citizen's own /xoa_du_lieu: the questions stay, anonymous and masked.
        """
        ctx = Services()
        try:
            with ctx.transaction() as session:
                question = queries.get_question_by_ticket(session, ticket, Reach.admin())
                citizen = question.citizen
                if citizen is None:
                    raise _fail(f"Câu hỏi {question.ticket} không gắn với người dân nào: không có dữ liệu để xóa.")
                if citizen.erased_at is not None and not citizen.name and not citizen.phone:
                    typer.echo(f"Dữ liệu cá nhân của người hỏi {question.ticket} đã được xóa ngày "
                               f"{citizen.erased_at:%d/%m/%Y}.")
                    return
                asked = len(queries.citizen_questions(session, citizen.id))
                if not yes:
                    typer.echo(f"Người hỏi {question.ticket} có {asked} câu hỏi. Xóa họ tên, số điện thoại, địa chỉ, "
                               "tệp gửi kèm và các con số cá nhân trong câu hỏi, tin nhắn đã gửi; câu hỏi vẫn giữ "
                               "(ẩn danh) cho báo cáo. Chạy lại với --yes để xóa.")
                    return
                citizens.erase_citizen(session, citizen.id, analyzer=ctx.analyzer,
                                       upload_dir=ctx.settings.upload_dir, actor="cli")
        except DomainError as exc:
            raise _fail(exc.message) from None
        typer.echo(f"Đã xóa dữ liệu cá nhân của người hỏi {question.ticket} ({asked} câu hỏi, giữ ẩn danh).")
