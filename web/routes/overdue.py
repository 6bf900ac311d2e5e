"""Assignments past their due date, by agency, with a one-click reminder."""

from __future__ import annotations

from datetime import date, datetime
from itertools import groupby

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storage import queries
from storage.actions import console
from vntext import LOCAL_TZ
from web.deps import Principal, current_user, db, get_ctx
from web.render import flash, redirect, render
from web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])


def today() -> date:
    return datetime.now(LOCAL_TZ).date()


@router.get("/overdue")
def overdue(request: Request, user: Principal = Depends(current_user), session: Session = Depends(db)) -> Response:
    day = today()
    rows = queries.overdue(session, user.reach, day)
    groups = [(name, list(items)) for name, items in groupby(rows, key=lambda r: r[0].agency.name if r[0].agency
                                                               else "")]
    return render(request, "overdue.html", groups=groups, today=day, total=len(rows))


@router.post("/overdue/{question_id}/remind")
def remind(question_id: int, request: Request, user: Principal = Depends(current_user)) -> Response:
    with get_ctx(request).transaction() as tx:
        event = console.remind(tx, user.reach, question_id)
        note = event.note or ""
    flash(request, f"Đã gửi nhắc nhở: {note}.")
    return redirect("/overdue")
