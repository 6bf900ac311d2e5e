"""Assignments past their due date, by agency, with a one-click reminder."""

from __future__ import annotations

from datetime import date
from itertools import groupby

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storage import queries, workdays
from storage.actions import console
from web.deps import Principal, current_user, db, get_ctx
from web.render import flash, redirect, render
from web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])


def today() -> date:
    return workdays.today()


@router.get("/overdue")
def overdue(request: Request, user: Principal = Depends(current_user), session: Session = Depends(db)) -> Response:
    day = today()
    rows = queries.overdue(session, user.reach, day)
    groups = [(name, list(items)) for name, items in groupby(rows, key=lambda r: r[0].agency.name if r[0].agency
                                                               else "")]
    return render(request, "overdue.html", groups=groups, today=day, total=len(rows),
                  working_days=workdays.working_days_between, urgency_label=workdays.label)


@router.post("/overdue/{question_id}/remind")
def remind(question_id: int, request: Request, user: Principal = Depends(current_user)) -> Response:
    with get_ctx(request).transaction() as tx:
        event, sent = console.remind(tx, user.reach, question_id)
        note = event.note or ""
    if sent:
        flash(request, f"Đã gửi nhắc nhở ({sent} thư, tin nhắn): {note}.")
    else:
        flash(request, f"Đã ghi nhắc nhở: {note}. Không có thư mới: cơ quan đã được nhắc hôm nay hoặc chưa có "
                       "địa chỉ nhận thông báo.", "warn")
    return redirect("/overdue")
