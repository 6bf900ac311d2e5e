"""Each user's inbox across meetings: escalated to my unit, handed back, re-opened, overdue, to review."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storage import workdays
from storage.queries import inbox
from storage.reach import AGENCY
from web.deps import Principal, current_user, db
from web.render import render

router = APIRouter()


@router.get("/inbox")
def show(request: Request, user: Principal = Depends(current_user), session: Session = Depends(db)) -> Response:
    today = workdays.today()
    unit_id = user.unit_id if user.role != AGENCY else None
    sections = inbox.inbox(session, user.reach, unit_id=unit_id, today=today)
    meetings = inbox.take_up_meetings(session, unit_id) if unit_id is not None else []
    return render(request, "inbox.html", sections=sections, today=today, meetings=meetings,
                  total=sum(s.total for s in sections), working_days=workdays.working_days_between)
