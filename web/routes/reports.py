"""Reports for any unit in reach and period: tables, SVG charts, XLSX and DOCX downloads."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storage import queries, reports
from storage.db import is_postgres
from storage.errors import InvalidInput
from storage.models import Unit
from storage.reach import require_unit
from vntext import LOCAL_TZ, vn_date
from vntext import reports as report_words
from web import charts, exports, officialdoc
from web.deps import Principal, db, get_ctx, organiser
from web.forms import day_end, day_start, opt_date, opt_int
from web.render import fields_of, render

router = APIRouter()


def _unit(session: Session, user: Principal, value: str | None) -> Unit:
    unit_id = opt_int(value, "Đơn vị")
    if unit_id is not None:
        return require_unit(session, unit_id, user.reach)
    units = queries.list_units(session, user.reach)
    if not units:
        raise InvalidInput("Không có đơn vị nào để lập báo cáo.", code="no_unit")
    return min(units, key=lambda u: (u.depth, u.path))


def _scope(request: Request, session: Session, user: Principal) -> tuple[Unit, datetime | None, datetime | None, str]:
    """The unit and period asked for: (unit, start, end, period in words)."""
    p = request.query_params
    unit = _unit(session, user, p.get("unit"))
    start_day, end_day = opt_date(p.get("from"), "Từ ngày"), opt_date(p.get("to"), "Đến ngày")
    if start_day and end_day and start_day > end_day:
        raise InvalidInput("«Từ ngày» phải trước «Đến ngày».", code="bad_period")
    period = (f"từ {vn_date(start_day) if start_day else 'đầu'} đến {vn_date(end_day) if end_day else 'nay'}")
    return unit, day_start(start_day), day_end(end_day), period


def report_data(request: Request, session: Session, user: Principal) -> tuple[exports.ReportData, Unit]:
    unit, start, end, period = _scope(request, session, user)
    today = datetime.now(LOCAL_TZ).date()
    sessions = get_ctx(request).sessions

    def run(part: Callable[[Session], Any]) -> Any:
        # Each part reads the questions once; they run side by side, each in its own session.
        with sessions() as own:
            return part(own)

    # SQLite's threads share one interpreter: beyond two they only wait on each other.
    workers = 4 if is_postgres(session) else 2
    with ThreadPoolExecutor(max_workers=workers) as pool:
        agencies = pool.submit(run, lambda s: reports.per_agency(s, unit, today, start=start, end=end))
        levels = pool.submit(run, lambda s: reports.per_level(s, unit, start=start, end=end))
        fields = pool.submit(run, lambda s: reports.per_field(s, unit, start=start, end=end))
        months = pool.submit(run, lambda s: reports.per_month(s, unit, start=start, end=end))
        report = reports.Report(unit.name, levels.result(), fields.result(), agencies.result(), months.result())
    return exports.ReportData(report, period, {f.code: f.label for f in fields_of(request)}), unit


@router.get("/reports")
def report_page(request: Request, user: Principal = Depends(organiser), session: Session = Depends(db)) -> Response:
    data, unit = report_data(request, session, user)
    query = str(request.url.query)
    return render(request, "reports.html", data=data, unit=unit, units=queries.list_units(session, user.reach),
                  query=query, p=request.query_params, year=date.today().year, words=report_words)


@router.get("/reports/chart/fields.svg")
def chart_fields(request: Request, user: Principal = Depends(organiser), session: Session = Depends(db)) -> Response:
    unit, start, end, _ = _scope(request, session, user)
    rows = reports.per_field(session, unit, start=start, end=end).rows
    labels = {f.code: f.label for f in fields_of(request)}
    return Response(charts.by_field(rows, labels), media_type="image/svg+xml")


@router.get("/reports/chart/levels.svg")
def chart_levels(request: Request, user: Principal = Depends(organiser), session: Session = Depends(db)) -> Response:
    unit, start, end, _ = _scope(request, session, user)
    return Response(charts.by_level(reports.per_level(session, unit, start=start, end=end)),
                    media_type="image/svg+xml")


@router.get("/reports/export.xlsx")
def export_xlsx(request: Request, user: Principal = Depends(organiser), session: Session = Depends(db)) -> Response:
    data, unit = report_data(request, session, user)
    return exports.download(exports.report_xlsx(data), f"bao-cao-{unit.code}.xlsx", exports.XLSX)


@router.get("/reports/export.docx")
def export_docx(request: Request, user: Principal = Depends(organiser), session: Session = Depends(db)) -> Response:
    data, unit = report_data(request, session, user)
    today = datetime.now(LOCAL_TZ).date()
    return exports.download(exports.report_docx(data, officialdoc.letterhead_of(unit), today),
                            f"bao-cao-{unit.code}.docx", exports.DOCX)
