"""The `doithoai` command: thin wrappers that parse options, call one action, print in Vietnamese."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress
from rich.table import Column, Table

from doithoai import document_commands, nlp_commands, office_commands, web_commands
from doithoai.cli_errors import HandledGroup
from doithoai.context import Services
from doithoai.web_commands import demo_users
from nlp.fields import load_fields
from storage import lifecycle, lookup, queries, reports
from storage.actions import meetings as meeting_actions
from storage.actions import replies, units
from storage.clock import LOCAL_TZ, parse_datetime
from storage.reach import Reach
from vntext import reports as report_words
from vntext import vn_datetime, vn_int

app = typer.Typer(help="doithoai: câu hỏi của người dân cho hội nghị tiếp xúc, đối thoại.", no_args_is_help=True,
                  cls=HandledGroup)
unit_app = typer.Typer(help="Đơn vị hành chính.", no_args_is_help=True)
agency_app = typer.Typer(help="Cơ quan, đơn vị giải quyết.", no_args_is_help=True)
meeting_app = typer.Typer(help="Hội nghị tiếp xúc, đối thoại.", no_args_is_help=True)
question_app = typer.Typer(help="Câu hỏi, ý kiến, kiến nghị.", no_args_is_help=True)
app.add_typer(unit_app, name="unit")
app.add_typer(agency_app, name="agency")
app.add_typer(meeting_app, name="meeting")
app.add_typer(question_app, name="question")
uploads_app = typer.Typer(help="Tệp người dân gửi kèm câu hỏi.", no_args_is_help=True)
app.add_typer(uploads_app, name="uploads")

console = Console()
err = Console(stderr=True)


def _ctx() -> Services:
    return Services()


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]Lỗi:[/red] {message}")
    return typer.Exit(code)


def _parse_when(value: str) -> datetime:
    try:
        return parse_datetime(value)
    except ValueError:
        raise _fail(f"Thời gian «{value}» không đúng dạng dd/mm/yyyy hh:mm.") from None


@app.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema (Alembic)."""
    from storage.migrate import upgrade

    ctx = _ctx()
    upgrade(ctx.settings.database_url)
    console.print("Đã khởi tạo cơ sở dữ liệu.")


@app.command()
def demo() -> None:
    """Load the demo data (a province, districts, communes, meetings, agencies, questions)."""
    from doithoai.demo import load_demo
    from storage.migrate import upgrade

    ctx = _ctx()
    upgrade(ctx.settings.database_url)
    with ctx.transaction() as session:
        codes = load_demo(session, ctx.analyzer)
    console.print("Đã nạp dữ liệu mẫu. Các hội nghị:")
    for title, code in codes.items():
        console.print(f"  [bold]{code}[/bold]  {title}  —  {ctx.settings.public_url}/chat/{code}")
    demo_users(ctx)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    only: Annotated[str | None, typer.Option(help="Run only one part: web, bot or worker.")] = None,
) -> None:
    """Run the web console and web chat, the bots and the outbox worker in one process."""
    from doithoai.runtime import run

    if only not in (None, "web", "bot", "worker"):
        raise _fail("--only nhận một trong: web, bot, worker.")
    ctx = _ctx()
    run(ctx, host or ctx.settings.host, port or ctx.settings.port, only)


@unit_app.command("create")
def unit_create(
    code: Annotated[str, typer.Option(help="Short unique code, e.g. HG-PH.")],
    name: Annotated[str, typer.Option(help="Name, e.g. 'Huyện Phụng Hiệp'.")],
    level: Annotated[str, typer.Option(help="Level label: tỉnh, huyện, xã...")],
    parent: Annotated[str | None, typer.Option(help="Code of the parent unit.")] = None,
) -> None:
    ctx = _ctx()
    with ctx.transaction() as session:
        parent_id = lookup.get_unit_by_code(session, parent).id if parent else None
        unit = units.create_unit(session, code=code, name=name, level=level, parent_id=parent_id)
        console.print(f"Đã tạo đơn vị {unit.code} — {unit.name}.")


@unit_app.command("list")
def unit_list() -> None:
    ctx = _ctx()
    with ctx.transaction() as session:
        table = Table("Mã", "Tên", "Cấp")
        for unit in queries.list_units(session, Reach.admin()):
            table.add_row(unit.code, "  " * unit.depth + unit.name, unit.level)
    console.print(table)


@agency_app.command("create")
def agency_create(
    unit: Annotated[str, typer.Option(help="Code of the unit the agency belongs to.")],
    name: Annotated[str, typer.Option(help="Name of the agency.")],
) -> None:
    ctx = _ctx()
    with ctx.transaction() as session:
        agency = units.create_agency(session, unit_id=lookup.get_unit_by_code(session, unit).id, name=name)
        console.print(f"Đã tạo cơ quan số {agency.id} — {agency.name}.")


@agency_app.command("list")
def agency_list() -> None:
    ctx = _ctx()
    with ctx.transaction() as session:
        table = Table("Số", "Cơ quan", "Đơn vị")
        for agency in queries.list_agencies(session, Reach.admin()):
            table.add_row(str(agency.id), agency.name, agency.unit.name)
    console.print(table)


@meeting_app.command("create")
def meeting_create(
    unit: Annotated[str, typer.Option(help="Code of the unit holding the meeting.")],
    title: Annotated[str, typer.Option(help="Title of the meeting.")],
    starts: Annotated[str, typer.Option(help="Date and time, dd/mm/yyyy hh:mm (local time).")],
    chair: Annotated[str, typer.Option(help="Who chairs it.")] = "",
    target_group: Annotated[str, typer.Option(help="Target group, e.g. 'Nông dân'.")] = "",
    place: Annotated[str, typer.Option(help="Where it takes place.")] = "",
    intake_until: Annotated[str | None, typer.Option(help="Questions accepted until, dd/mm/yyyy hh:mm.")] = None,
    state: Annotated[str, typer.Option(help="planned, open, held or closed.")] = "open",
) -> None:
    ctx = _ctx()
    with ctx.transaction() as session:
        meeting = meeting_actions.create_meeting(
            session, unit_id=lookup.get_unit_by_code(session, unit).id, title=title,
            starts_at=_parse_when(starts), chair=chair, target_group=target_group, place=place,
            intake_until=_parse_when(intake_until) if intake_until else None, state=state,
        )
        console.print(f"Đã tạo hội nghị mã [bold]{meeting.code}[/bold]: {meeting.title}.")


@meeting_app.command("list")
def meeting_list() -> None:
    ctx = _ctx()
    with ctx.transaction() as session:
        table = Table("Mã", "Hội nghị", "Đơn vị", "Thời gian", "Trạng thái")
        for m in queries.list_meetings(session, Reach.admin()):
            table.add_row(m.code, m.title, m.unit.name, vn_datetime(m.starts_at), meeting_actions.STATE_LABELS[m.state])
    console.print(table)


@meeting_app.command("state")
def meeting_state(
    code: Annotated[str, typer.Argument(help="Meeting code.")],
    state: Annotated[str, typer.Argument(help="planned, open, held or closed.")],
    attendance: Annotated[int | None, typer.Option(help="Number of attendances, recorded afterwards.")] = None,
) -> None:
    """Move a meeting to another state and record its attendance."""
    ctx = _ctx()
    with ctx.transaction() as session:
        meeting = lookup.get_meeting_by_code(session, code)
        meeting_actions.set_meeting_state(session, meeting.id, state)
        if attendance is not None:
            meeting_actions.record_attendance(session, meeting.id, attendance)
        console.print(f"Hội nghị {meeting.code}: {meeting_actions.STATE_LABELS[meeting.state]}.")


@question_app.command("list")
def question_list(
    meeting: Annotated[str | None, typer.Option(help="Meeting code.")] = None,
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    ctx = _ctx()
    with ctx.transaction() as session:
        meeting_id = None
        if meeting:
            found = lookup.find_meeting_by_code(session, meeting)
            if found is None:
                raise _fail(f"Không tìm thấy hội nghị mã «{meeting}».")
            meeting_id = found.id
        rows = queries.list_questions(session, Reach.admin(), meeting_id=meeting_id, status=status, limit=100_000)
        if as_json:
            for q in rows:
                typer.echo(json.dumps({
                    "ticket": q.ticket, "meeting": q.meeting.code, "text": q.original_text, "field": q.field,
                    "suggested_field": q.suggested_field, "confidence": q.confidence, "status": q.status,
                    "duplicate_of": q.duplicate_of.ticket if q.duplicate_of else None,
                    "agency": q.agency.name if q.agency else None, "channel": q.channel,
                    "due_date": q.due_date.isoformat() if q.due_date else None, "urgency": q.urgency,
                    "satisfied": q.satisfied, "reopen_count": q.reopen_count,
                    "created_at": q.created_at.isoformat(),
                    "summary": q.summary, "published": q.published_at is not None,
                }, ensure_ascii=False))
            return
        table = Table("Mã", "Lĩnh vực", "Trạng thái", "Nội dung")
        for q in rows:
            table.add_row(q.ticket or "", q.field or "", lifecycle.label(q.status), q.original_text[:80])
    console.print(table)


@app.command("reply")
def reply_cmd(
    ticket: Annotated[str, typer.Argument(help="Ticket code, e.g. HG-2026-000123.")],
    text: Annotated[str, typer.Option(help="The answer sent to the citizen(s).")],
    status: Annotated[str | None, typer.Option(help="New status, e.g. resolved.")] = None,
    author: Annotated[str, typer.Option(help="Who answers.")] = "cli",
) -> None:
    """Answer a question; every citizen asking the same thing receives it in their chat."""
    ctx = _ctx()
    with ctx.transaction() as session:
        question = queries.get_question_by_ticket(session, ticket, Reach.admin())
        replies.reply(session, question.id, text, author=author, status=status)
        n = queries.asker_count(session, question.duplicate_of_id or question.id)
        console.print(f"Đã gửi trả lời cho câu hỏi {question.ticket} ({vn_int(n)} người hỏi).")


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="A .csv or .xlsx file of historical questions.")],
    batch_size: Annotated[int, typer.Option(help="Rows per transaction.")] = 2000,
    workers: Annotated[int | None, typer.Option(
        help="Processes that classify and group (default: one per CPU, up to 4, from 20.000 rows; 0: none).")] = None,
) -> None:
    """Import historical questions in batches; bad rows are reported by row number, good rows kept.

    Started again on the same file after a crash, it continues where it stopped.
    """
    from concurrent.futures.process import BrokenProcessPool

    from doithoai.importer import ImportFileError, count_rows, read_rows, source_key, worker_count
    from nlp.fields import load_fields
    from storage.actions.imports import import_rows

    if not file.exists():
        raise _fail(f"Không tìm thấy tệp {file}.")
    ctx = _ctx()
    known = {f.code: f.label for f in load_fields(ctx.settings.fields_path)}
    errors: list[tuple[int, str]] = []
    try:
        total = count_rows(file)
        with Progress(*Progress.get_default_columns(), MofNCompleteColumn(), console=err) as progress:
            task = progress.add_task("Đang nhập", total=total)
            grouping = progress.add_task("Tìm câu trùng", total=None, start=False)

            def grouped(done: int, meetings: int) -> None:
                progress.start_task(grouping)
                progress.update(grouping, completed=done, total=meetings)

            result = import_rows(ctx.transaction, read_rows(file, errors), source=source_key(file),
                                 analyzer=ctx.analyzer, known_fields=known, batch_size=max(1, batch_size),
                                 workers=worker_count(total) if workers is None else max(0, workers),
                                 progress=lambda n: progress.advance(task, n), grouping_progress=grouped)
            progress.update(task, completed=total)
    except ImportFileError as exc:
        raise _fail(exc.message) from None
    except BrokenProcessPool:
        raise _fail("Một tiến trình phân loại dừng bất thường (có thể do thiếu bộ nhớ). Các lô đã nhập được giữ; "
                    "chạy lại lệnh để nhập tiếp, hoặc thêm --workers 0 để làm trong một tiến trình.") from None
    errors = sorted(errors + result.errors)
    console.print(f"Đã nhập {vn_int(result.imported)} câu hỏi; {vn_int(len(errors))} dòng lỗi.")
    if result.skipped:
        console.print(f"{vn_int(result.skipped)} câu đã có từ lần nhập trước, không nhập lại.")
    if result.proposed_duplicates:
        console.print(f"{vn_int(result.proposed_duplicates)} câu được đề xuất là trùng lặp, chờ Tổ giúp việc xác nhận.")
    for number, message in errors:
        console.print(f"  Dòng {number}: {message}", highlight=False, soft_wrap=True)
    if errors:
        raise typer.Exit(2)


@app.command()
def backup(
    target: Annotated[Path, typer.Argument(help="Where to write the copy, e.g. backups/doithoai-2026-12-01.db.")],
) -> None:
    """Copy the SQLite database while the service runs (online backup); for PostgreSQL, how to use pg_dump."""
    from doithoai.backup import backup_sqlite, postgres_hint, sqlite_path

    url = _ctx().settings.database_url
    source = sqlite_path(url)
    if source is None:
        console.print(postgres_hint(url), highlight=False)
        raise typer.Exit(2)
    size = backup_sqlite(source, target)
    console.print(f"Đã sao lưu {source} vào {target} ({vn_int(size // 1024)} KB). Phục hồi: dừng dịch vụ, chép tệp "
                  f"này về {source} (hoặc trỏ DOITHOAI_DATABASE_URL tới nó) rồi chạy doithoai init-db.",
                  highlight=False, soft_wrap=True)


@app.command()
def report(
    unit: Annotated[str | None, typer.Option(help="Unit code (default: the top unit).")] = None,
    year: Annotated[int | None, typer.Option(help="Only meetings of this year.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Print the report's tables (per level, field, agency, month), counted as on the console's page."""
    ctx = _ctx()
    with ctx.transaction() as session:
        if unit:
            found = lookup.find_unit_by_code(session, unit)
        else:
            roots = [u for u in queries.list_units(session, Reach.admin()) if u.parent_id is None]
            found = roots[0] if roots else None
        if found is None:
            raise _fail("Không có đơn vị nào để lập báo cáo." if not unit else f"Không tìm thấy đơn vị «{unit}».")
        start = datetime(year, 1, 1, tzinfo=LOCAL_TZ) if year else None
        end = datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ) if year else None
        result = reports.build(session, found, datetime.now(LOCAL_TZ).date(), start=start, end=end)
    tables = [(name, title, columns, getattr(result, name)) for name, title, columns in report_words.TABLES]
    if as_json:
        typer.echo(json.dumps({"unit": result.unit_name, "year": year, "counting_rule": report_words.COUNTING_RULE,
                               **{name: {"rows": [r.as_dict() for r in table.rows], "total": table.total.as_dict()}
                                  for name, _, _, table in tables}}, ensure_ascii=False))
        return
    labels = {f.code: f.label for f in load_fields(ctx.settings.fields_path)}
    console.print(f"[bold]{report_words.TITLE} — {result.unit_name}[/bold]" + (f", năm {year}" if year else ""))
    console.print(report_words.COUNTING_RULE)
    for name, title, columns, table in tables:
        label = (lambda code: labels.get(code, code)) if name == "fields" else str
        _print_table(title, [h for h, _ in columns],
                     [report_words.row_texts(row, columns, label) for row in [*table.rows, table.total]])


def _print_table(title: str, headers: list[str], rows: list[list[str]]) -> None:
    """A table whose figures are never cut or wrapped: wider than the terminal if it must be."""
    widths = [max([*(len(r[i]) for r in rows), *(len(w) for w in h.split())]) for i, h in enumerate(headers)]
    grid = Table(*[Column(h, min_width=w, justify="left" if i == 0 else "right")
                   for i, (h, w) in enumerate(zip(headers, widths, strict=True))], title=title)
    for row in rows:
        grid.add_row(*row)
    console.print(grid, width=max(console.width, sum(widths) + 3 * len(widths) + 1), crop=False)


@uploads_app.command("sweep")
def uploads_sweep() -> None:
    """Remove uploaded files that no stored question or recent draft uses (the worker does it hourly)."""
    from doithoai.runtime import sweep_once

    result = sweep_once(_ctx())
    console.print(f"Đã xóa {vn_int(result.removed)} tệp không còn dùng; còn giữ {vn_int(result.kept)} tệp.")


def _register_commands() -> None:
    nlp_commands.register(app, corrections=_corrections, agency_accuracy=_agency_accuracy)
    web_commands.register(app)
    office_commands.register(app)
    document_commands.register(app, unit_app)


def _corrections() -> list[tuple[str, str]]:
    """Organisers' corrections (confirmed field ≠ suggested field), as training examples."""
    ctx = _ctx()
    with ctx.transaction() as session:
        return queries.confirmed_examples(session, Reach.admin(), corrections_only=True)


def _agency_accuracy() -> dict[str, float | int]:
    """Top-1 accuracy of the agency suggestion on the database's past assignments."""
    from storage.queries.suggestions import agency_accuracy

    with _ctx().transaction() as session:
        return agency_accuracy(session)


_register_commands()
