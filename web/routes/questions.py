"""One question: text, suggestion, duplicates, contact, audit trail, assignment and the answer composer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy.orm import Session

from nlp.moderation import flag as moderation_flag
from nlp.privacy import mask_name, mask_phone
from storage import lifecycle, queries, workdays
from storage.actions import console, publication
from storage.actions.console import NeedsConfirmation
from storage.actions.notify import EMAIL
from storage.actions.questions import primary_of
from storage.errors import DomainError, StaleVersion
from storage.models import Question
from storage.queries import suggestions
from storage.reach import require_question
from vntext import notices
from web.deps import Principal, current_user, db, get_ctx
from web.forms import opt_date, opt_int, req_int
from web.render import field_codes, flash, redirect, render
from web.security import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])


def contact(question: Question, user: Principal) -> dict[str, str] | None:
    citizen = question.citizen
    if citizen is None:
        return None
    if citizen.erased_at is not None:
        return {"note": "Người hỏi đã yêu cầu xóa dữ liệu cá nhân."}
    name, phone = citizen.name or "", citizen.phone or ""
    if not user.sees_contacts:
        name, phone = mask_name(name), mask_phone(phone) if phone else ""
    return {"name": name, "phone": phone, "locality": citizen.locality or "" if user.sees_contacts else "",
            "channel": citizen.channel}


def reply_statuses(current: str) -> list[str]:
    """Statuses the answer composer offers: the allowed outcomes (resolving also works from received)."""
    allowed = lifecycle.ALLOWED.get(current, frozenset())
    if current == lifecycle.RECEIVED:
        allowed = allowed | {lifecycle.RESOLVED}
    return [s for s in (lifecycle.IN_PROGRESS, lifecycle.RESOLVED, lifecycle.UNRESOLVED) if s in allowed]


@dataclass(frozen=True)
class Confirm:
    """An unusual move asked again: the same form, sent with confirm=1 when the user agrees."""

    message: str
    action: str
    values: dict[str, str]
    button: str


def question_page(request: Request, session: Session, user: Principal, question_id: int, *,
                  status_code: int = 200, error: str | None = None, draft: dict[str, str] | None = None,
                  confirm: Confirm | None = None) -> Response:
    question = require_question(session, question_id, user.reach)
    primary = primary_of(session, question)
    members = [primary, *queries.duplicates_of(session, primary.id)]
    outbox = queries.deliveries_of(session, [m.id for m in members])
    deliveries = [d for d in outbox if d.user_id is None and d.channel != EMAIL]
    staff_notices = [d for d in outbox if d.user_id is not None or d.channel == EMAIL]
    alternatives: list[Any] = question.alternatives or []
    analyzer = get_ctx(request).analyzer
    proposals = proposed(session, user, question, [m.id for m in members], analyzer)
    agencies = queries.list_agencies(session, user.reach) if not user.is_agency else []
    held = moderation_flag(question.original_text)
    return render(
        request, "question.html", status_code=status_code, q=question, primary=primary, members=members,
        proposals=proposals, moderation=held.reason if held is not None else None,
        earlier=suggestions.earlier_answers(session, user.reach, primary, analyzer) if not user.is_agency else [],
        agency_hint=suggestions.suggest_agency(session, primary, agencies) if agencies else None,
        events=queries.events_of(session, question.id), replies=queries.replies_of(session, primary.id),
        deliveries=deliveries, contact=contact(question, user), alternatives=alternatives,
        agencies=agencies,
        templates=queries.list_templates(session, user.reach, primary.field),
        allowed=console.allowed_moves(user.reach, primary.status),
        reply_statuses=reply_statuses(primary.status),
        error=error, draft=draft or {}, confirm=confirm, staff_notices=staff_notices,
        attachments=queries.attachments_of(session, question.id), urgencies=workdays.URGENCY_LABELS,
        can_hand_back=user.is_agency and primary.status in lifecycle.HAND_BACK_FROM,
        can_reopen=not user.is_agency and primary.status in lifecycle.REOPENABLE,
        today=workdays.today(),
    )


def proposed(session: Session, user: Principal, question: Question, members: list[int],
             analyzer: Any) -> list[tuple[Question, float]]:
    """The duplicate proposed at intake, questions proposed as its duplicates, then the open
    questions of the meeting most similar to it now: at most five, none already in its group."""
    if question.duplicate_of_id is not None:
        return []
    out = queries.proposed_duplicates(session, user.reach, question)
    seen = {q.id for q, _ in out} | set(members)
    out += [(q, score) for q, score in suggestions.similar_open(session, user.reach, question, analyzer, members)
            if q.id not in seen]
    return out[:5]


@router.get("/questions/{question_id}")
def show(question_id: int, request: Request, user: Principal = Depends(current_user),
         session: Session = Depends(db)) -> Response:
    return question_page(request, session, user, question_id)


@router.get("/tickets/{ticket}")
def by_ticket(ticket: str, user: Principal = Depends(current_user), session: Session = Depends(db)) -> Response:
    return redirect(f"/questions/{queries.get_question_by_ticket(session, ticket, user.reach).id}")


def _do(request: Request, session: Session, user: Principal, question_id: int, done: str,
        draft: dict[str, str] | None, move: Any, confirm: tuple[str, dict[str, str], str] | None = None) -> Response:
    """Run one move in a transaction; on refusal show the page again with the message and the draft.

    `confirm` is (form action, form values, button) to ask again when the move needs a confirmation.
    """
    try:
        with get_ctx(request).transaction() as tx:
            move(tx)
    except StaleVersion as exc:
        return question_page(request, session, user, question_id, status_code=409, error=exc.message, draft=draft)
    except NeedsConfirmation as exc:
        if confirm is None:
            raise
        action, values, button = confirm
        return question_page(request, session, user, question_id, status_code=409, draft=draft,
                             confirm=Confirm(exc.message, action, {**values, "confirm": "1"}, button))
    except DomainError as exc:
        if exc.http_status == 404:
            raise
        return question_page(request, session, user, question_id, status_code=exc.http_status, error=exc.message,
                             draft=draft)
    flash(request, done)
    return redirect(f"/questions/{question_id}")


@router.post("/questions/{question_id}/summary")
def set_summary(question_id: int, request: Request, summary: str = Form("", max_length=5000), version: str = Form(""),
                user: Principal = Depends(current_user), session: Session = Depends(db)) -> Response:
    expected = opt_int(version, "Phiên bản")
    return _do(request, session, user, question_id, "Đã lưu tóm tắt.", {"summary": summary},
               lambda tx: publication.set_summary(tx, user.reach, question_id, summary, expected_version=expected))


@router.post("/questions/{question_id}/field")
def set_field(question_id: int, request: Request, field: str = Form(...), version: str = Form(""),
              user: Principal = Depends(current_user), session: Session = Depends(db)) -> Response:
    expected = opt_int(version, "Phiên bản")
    return _do(request, session, user, question_id, "Đã lưu lĩnh vực.", None, lambda tx: console.set_field(
        tx, user.reach, question_id, field, field_codes(request), expected_version=expected))


@router.post("/questions/{question_id}/assign")
def assign(question_id: int, request: Request, agency_id: str = Form(""), due_date: str = Form(""),
           urgency: str = Form(""), confirm: str = Form(""), version: str = Form(""),
           user: Principal = Depends(current_user), session: Session = Depends(db)) -> Response:
    expected = opt_int(version, "Phiên bản")
    agency, due = req_int(agency_id, "Cơ quan"), opt_date(due_date, "Hạn xử lý")
    values = {"agency_id": agency_id, "due_date": due_date, "urgency": urgency, "version": version}
    return _do(request, session, user, question_id, "Đã giao cơ quan giải quyết.", None,
               lambda tx: console.assign(tx, user.reach, question_id, agency, due_date=due, urgency=urgency or None,
                                         confirm_past=confirm == "1", expected_version=expected),
               confirm=(f"/questions/{question_id}/assign", values, "Vẫn giao với hạn này"))


@router.post("/questions/{question_id}/status")
def set_status(question_id: int, request: Request, status: str = Form(""), note: str = Form("", max_length=2000),
               version: str = Form(""), user: Principal = Depends(current_user),
               session: Session = Depends(db)) -> Response:
    expected = opt_int(version, "Phiên bản")
    return _do(request, session, user, question_id, f"Đã chuyển sang «{lifecycle.label(status)}».", None,
               lambda tx: console.change_status(tx, user.reach, question_id, status, note=note,
                                                expected_version=expected))


@router.post("/questions/{question_id}/merge")
def merge(question_id: int, request: Request, into: str = Form(...), confirm: str = Form(""),
          user: Principal = Depends(current_user), session: Session = Depends(db)) -> Response:
    primary = req_int(into, "Câu hỏi chính")
    return _do(request, session, user, question_id, "Đã gộp câu hỏi trùng.", None,
               lambda tx: console.merge(tx, user.reach, primary, [question_id], confirm_fields=confirm == "1"),
               confirm=(f"/questions/{question_id}/merge", {"into": into}, "Vẫn gộp"))


@router.post("/questions/{question_id}/absorb")
def absorb(question_id: int, request: Request, other: str = Form(...), confirm: str = Form(""),
           user: Principal = Depends(current_user), session: Session = Depends(db)) -> Response:
    dup = req_int(other, "Câu hỏi trùng")
    return _do(request, session, user, question_id, "Đã gộp câu hỏi trùng.", None,
               lambda tx: console.merge(tx, user.reach, question_id, [dup], confirm_fields=confirm == "1"),
               confirm=(f"/questions/{question_id}/absorb", {"other": other}, "Vẫn gộp"))


@router.post("/questions/{question_id}/hand-back")
def hand_back(question_id: int, request: Request, reason: str = Form("", max_length=2000),
              user: Principal = Depends(current_user), session: Session = Depends(db)) -> Response:
    done = "Đã trả lại câu hỏi cho Tổ giúp việc."
    response = _do(request, session, user, question_id, done, {"reason": reason},
                   lambda tx: console.hand_back(tx, user.reach, question_id, reason))
    # The question is no longer the agency's: back to the inbox rather than a page it cannot see.
    if user.is_agency and response.status_code == 303:
        return redirect("/inbox")
    return response


@router.post("/questions/{question_id}/reopen")
def reopen(question_id: int, request: Request, reason: str = Form("", max_length=2000), version: str = Form(""),
           user: Principal = Depends(current_user), session: Session = Depends(db)) -> Response:
    expected = opt_int(version, "Phiên bản")
    return _do(request, session, user, question_id, "Đã mở lại câu hỏi.", {"reopen_reason": reason},
               lambda tx: console.reopen(tx, user.reach, question_id, reason, expected_version=expected))


@router.post("/questions/{question_id}/take-up")
def take_up(question_id: int, request: Request, meeting_id: str = Form(""),
            user: Principal = Depends(current_user), session: Session = Depends(db)) -> Response:
    meeting = req_int(meeting_id, "Hội nghị")
    return _do(request, session, user, question_id, "Đã đưa câu hỏi vào hội nghị của đơn vị.", None,
               lambda tx: console.take_up(tx, user.reach, question_id, meeting))


@router.post("/questions/{question_id}/dismiss")
def dismiss(question_id: int, request: Request, user: Principal = Depends(current_user),
            session: Session = Depends(db)) -> Response:
    return _do(request, session, user, question_id, "Đã ghi nhận: không phải câu hỏi trùng.", None,
               lambda tx: console.dismiss_proposed_duplicate(tx, user.reach, question_id))


@router.post("/questions/{question_id}/unmerge")
def unmerge(question_id: int, request: Request, user: Principal = Depends(current_user),
            session: Session = Depends(db)) -> Response:
    return _do(request, session, user, question_id, "Đã tách khỏi nhóm trùng.", None,
               lambda tx: console.unmerge(tx, user.reach, question_id))


@router.post("/questions/{question_id}/reply")
def reply(question_id: int, request: Request, text: str = Form("", max_length=10_000), status: str = Form(""),
          official: str = Form("", max_length=200), version: str = Form(""),
          user: Principal = Depends(current_user), session: Session = Depends(db)) -> Response:
    expected = opt_int(version, "Phiên bản")
    draft = {"text": text, "status": status, "official": official}
    return _do(request, session, user, question_id, "Đã gửi trả lời; tin nhắn đang được chuyển đến người hỏi.",
               draft, lambda tx: console.reply(tx, user.reach, question_id, text, status=status or None,
                                               official=official, expected_version=expected))


@router.post("/questions/{question_id}/preview")
def preview(question_id: int, text: str = Form("", max_length=10_000), status: str = Form(""),
            user: Principal = Depends(current_user), session: Session = Depends(db)) -> Response:
    question = require_question(session, question_id, user.reach)
    body = text.strip() or "(chưa có nội dung trả lời)"
    return PlainTextResponse(notices.answered(question.ticket or "", body, lifecycle.label(status) if status else None))


@router.post("/questions/{question_id}/answered")
def answered(question_id: int, request: Request, value: str = Form("1"), back: str = Form(""),
             user: Principal = Depends(current_user)) -> Response:
    with get_ctx(request).transaction() as tx:
        console.mark_answered_at_meeting(tx, user.reach, question_id, value == "1")
    return redirect(back if back.startswith("/meetings/") else f"/questions/{question_id}")


@router.post("/deliveries/{outbox_id}/retry")
def retry(outbox_id: int, request: Request, user: Principal = Depends(current_user)) -> Response:
    with get_ctx(request).transaction() as tx:
        row = console.retry_delivery(tx, user.reach, outbox_id)
        question_id = row.question_id
    flash(request, "Đã đưa tin nhắn vào hàng đợi gửi lại.")
    return redirect(f"/questions/{question_id}")
