"""The queue of a meeting: primaries grouped by field, duplicates collapsed, filters, bulk moves."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storage import lifecycle, queries
from storage.actions import agenda, console
from storage.actions.meetings import STATE_LABELS
from storage.errors import DomainError
from storage.queries import QUEUE_SORTS, QueueFilter
from storage.reach import require_meeting
from web.deps import Principal, current_user, db, get_ctx
from web.forms import day_end, day_start, ids, opt_date, opt_int
from web.render import CHANNEL_LABELS, field_codes, flash, redirect, render
from web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])
STATUS_FILTERS = {"open": "Đang xử lý", "closed": "Đã đóng", "": "Tất cả", **lifecycle.LABELS}
SORT_LABELS = {"field": "Theo lĩnh vực", "askers": "Nhiều người hỏi nhất", "new": "Mới nhất", "old": "Cũ nhất",
               "confidence": "Độ tin cậy thấp nhất"}


def parse_filter(request: Request, analyzer_search: object) -> QueueFilter:
    p = request.query_params
    text = (p.get("q") or "").strip()[:200]
    search = getattr(analyzer_search, "search_form", None)
    review = p.get("review")
    sort = p.get("sort") or "field"
    return QueueFilter(
        field=p.get("field") or None,
        status=p.get("status", "open") or None,
        needs_review=True if review == "1" else False if review == "0" else None,
        channel=p.get("channel") or None,
        unit_id=opt_int(p.get("unit"), "Đơn vị"),
        date_from=day_start(opt_date(p.get("from"), "Từ ngày")),
        date_to=day_end(opt_date(p.get("to"), "Đến ngày")),
        text=(search(text) if callable(search) else text.lower()) if text else None,
        sort=sort if sort in QUEUE_SORTS else "field",
        page=max(1, opt_int(p.get("page"), "Trang") or 1),
        per_page=50,
    )


@router.get("/meetings/{meeting_id}/queue")
def queue_page(
    meeting_id: int, request: Request, user: Principal = Depends(current_user), session: Session = Depends(db),
) -> Response:
    meeting = require_meeting(session, meeting_id, user.reach)
    try:
        f = parse_filter(request, get_ctx(request).analyzer)
        error = None
    except DomainError as exc:
        f, error = QueueFilter(), exc.message
    page = queries.queue_page(session, user.reach, meeting.id, f)
    args = {k: v for k, v in request.query_params.items() if k != "page" and v}
    return render(
        request, "queue.html", status_code=422 if error else 200, meeting=meeting, page=page, f=f, error=error,
        args=args, q=request.query_params.get("q", ""), status_filters=STATUS_FILTERS, sort_labels=SORT_LABELS,
        channels=CHANNEL_LABELS, meeting_states=STATE_LABELS,
        counts=queries.status_counts(session, user.reach, meeting.id),
        units=queries.list_units(session, user.reach) if not user.is_agency else [],
        agencies=queries.list_agencies(session, user.reach) if not user.is_agency else [],
    )


@router.post("/meetings/{meeting_id}/queue/bulk")
def bulk(
    meeting_id: int, request: Request,
    op: str = Form(...), qid: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI reads the default
    field: str = Form(""), agency_id: str = Form(""), due_date: str = Form(""), status: str = Form(""),
    note: str = Form("", max_length=2000), back: str = Form(""),
    user: Principal = Depends(current_user),
) -> Response:
    selected = ids(qid)
    target = back if back.startswith(f"/meetings/{meeting_id}/queue") else f"/meetings/{meeting_id}/queue"
    try:
        with get_ctx(request).transaction() as tx:
            require_meeting(tx, meeting_id, user.reach)
            if op == "agenda":
                n = agenda.add_to_agenda(tx, user.reach, meeting_id, selected)
            else:
                n = console.bulk(tx, user.reach, op, selected, field_codes(request), field=field or None,
                                 agency_id=opt_int(agency_id, "Cơ quan"), due_date=opt_date(due_date, "Hạn xử lý"),
                                 status=status or None, note=note or None)
    except DomainError as exc:
        if exc.http_status == 404:
            raise
        flash(request, f"Chưa thực hiện được: {exc.message} Không câu hỏi nào bị thay đổi.", "error")
        return redirect(target)
    done = {"confirm": "xác nhận lĩnh vực", "field": "đổi lĩnh vực", "merge": "gộp", "assign": "giao cơ quan",
            "status": "đổi trạng thái", "agenda": "đưa vào chương trình"}.get(op, op)
    flash(request, f"Đã {done}: {n} câu hỏi.")
    return redirect(target)


@router.get("/assigned")
def assigned(request: Request, user: Principal = Depends(current_user), session: Session = Depends(db),
             status: Annotated[str, Query()] = "open") -> Response:
    rows = [q for q in queries.list_questions(session, user.reach, limit=500)
            if q.duplicate_of_id is None and (status != "open" or q.status in lifecycle.OPEN_STATUSES)]
    return render(request, "assigned.html", rows=rows, status=status)
