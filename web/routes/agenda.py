"""The chair's agenda (meeting mode) and the conclusion notice of a held meeting."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storage import queries
from storage.actions import agenda, publication
from storage.reach import require_meeting
from vntext import LOCAL_TZ
from web import exports, officialdoc
from web.deps import Principal, db, get_ctx, organiser
from web.forms import req_int
from web.render import fields_of, flash, redirect, render
from web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.get("/meetings/{meeting_id}/agenda")
def agenda_page(meeting_id: int, request: Request, mode: str = "", user: Principal = Depends(organiser),
                session: Session = Depends(db)) -> Response:
    meeting = require_meeting(session, meeting_id, user.reach)
    items = queries.agenda_of(session, meeting_id, user.reach)
    return render(request, "agenda.html", meeting=meeting, items=items, projector=mode == "projector")


@router.post("/agenda/{item_id}/move")
def move(item_id: int, request: Request, delta: str = Form(...), user: Principal = Depends(organiser)) -> Response:
    step = req_int(delta, "Vị trí")
    with get_ctx(request).transaction() as tx:
        meeting_id = agenda.move_agenda_item(tx, user.reach, item_id, step).meeting_id
    return redirect(f"/meetings/{meeting_id}/agenda")


@router.post("/agenda/{item_id}/official")
def official(item_id: int, request: Request, official: str = Form("", max_length=200),
             user: Principal = Depends(organiser)) -> Response:
    with get_ctx(request).transaction() as tx:
        meeting_id = agenda.set_agenda_official(tx, user.reach, item_id, official).meeting_id
    return redirect(f"/meetings/{meeting_id}/agenda")


@router.post("/agenda/{item_id}/remove")
def remove(item_id: int, request: Request, meeting_id: str = Form(...),
           user: Principal = Depends(organiser)) -> Response:
    mid = req_int(meeting_id, "Hội nghị")
    with get_ctx(request).transaction() as tx:
        agenda.remove_agenda_item(tx, user.reach, item_id)
    flash(request, "Đã bỏ câu hỏi khỏi chương trình.")
    return redirect(f"/meetings/{mid}/agenda")


@router.get("/meetings/{meeting_id}/conclusion")
def conclusion(meeting_id: int, request: Request, user: Principal = Depends(organiser),
               session: Session = Depends(db)) -> Response:
    meeting = require_meeting(session, meeting_id, user.reach)
    items = queries.conclusion_items(session, meeting_id, user.reach)
    return render(request, "conclusion.html", meeting=meeting, items=items)


@router.get("/meetings/{meeting_id}/conclusion.docx")
def conclusion_docx(meeting_id: int, request: Request, user: Principal = Depends(organiser),
                    session: Session = Depends(db)) -> Response:
    meeting = require_meeting(session, meeting_id, user.reach)
    items = queries.conclusion_items(session, meeting_id, user.reach)
    labels = {f.code: f.label for f in fields_of(request)}
    data = exports.conclusion_docx(meeting, items, labels, officialdoc.letterhead_of(meeting.unit),
                                   datetime.now(LOCAL_TZ).date())
    return exports.download(data, f"thong-bao-ket-luan-{meeting.code}.docx", exports.DOCX)


@router.post("/meetings/{meeting_id}/conclusion/send")
def conclusion_send(meeting_id: int, request: Request, user: Principal = Depends(organiser)) -> Response:
    with get_ctx(request).transaction() as tx:
        result = agenda.send_conclusion(tx, user.reach, meeting_id)
    return _back_to_conclusion(request, meeting_id, f"Đã gửi trả lời đến {result.sent} người hỏi.",
                               result.without_answer, "câu hỏi chưa có trả lời nên chưa gửi")


@router.post("/meetings/{meeting_id}/publish")
def publish(meeting_id: int, request: Request, user: Principal = Depends(organiser)) -> Response:
    with get_ctx(request).transaction() as tx:
        result = publication.publish_meeting(tx, user.reach, meeting_id)
    done = f"Đã công khai {result.groups} nội dung ({result.questions} câu hỏi) trên trang công khai."
    return _back_to_conclusion(request, meeting_id, done, result.without_answer,
                               "nội dung chưa có trả lời nên chưa công khai")


def _back_to_conclusion(request: Request, meeting_id: int, done: str, without_answer: int, left: str) -> Response:
    """Flash what was done, and how many were left out for want of an answer, on the conclusion page."""
    flash(request, f"{done} Còn {without_answer} {left}." if without_answer else done)
    return redirect(f"/meetings/{meeting_id}/conclusion")
