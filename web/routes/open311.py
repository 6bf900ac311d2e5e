"""Open311 GeoReport v2: fields as services, questions as service requests, in JSON and XML.

Reading requests without an API key or a console session gives exactly the published requests (the
answers on /cong-khai/); with one, each caller sees what its reach covers. Posting needs an API key.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from nlp.privacy import mask_text
from storage import lifecycle, lookup, queries
from storage.actions import api_keys, questions
from storage.clock import LOCAL_TZ, parse_datetime
from storage.errors import DomainError
from storage.models import Question, Unit, User
from storage.reach import Reach
from web.deps import db, get_ctx, principal_from
from web.errors import WebError
from web.render import fields_of

router = APIRouter(prefix="/open311/v2", tags=["Open311 GeoReport v2"])
FORMATS = ("json", "xml")
DEFAULT_DAYS = 90


class ApiError(WebError):
    """An Open311 protocol error, answered in the format the client asked for."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message, status=status)


def _respond(fmt: str, payload: list[dict[str, Any]], root: str, item: str, status: int = 200) -> Response:
    if fmt == "xml":
        top = ET.Element(root)
        for entry in payload:
            node = ET.SubElement(top, item)
            for key, value in entry.items():
                ET.SubElement(node, key).text = "" if value is None else str(value).lower() if isinstance(
                    value, bool) else str(value)
        body = ET.tostring(top, encoding="unicode", xml_declaration=False)
        return Response('<?xml version="1.0" encoding="utf-8"?>' + body, status_code=status,
                        media_type="application/xml")
    return JSONResponse(payload, status_code=status)


def _error(fmt: str, status: int, description: str) -> Response:
    return _respond(fmt if fmt in FORMATS else "json", [{"code": status, "description": description}],
                    "errors", "error", status)


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ApiError(404, "Định dạng chỉ có thể là json hoặc xml.")
    return fmt


def _reach(request: Request, session: Session, api_key: str | None) -> Reach:
    if api_key:
        key = api_keys.find_api_key(session, api_key)
        if key is None:
            raise ApiError(403, "Khóa API không hợp lệ hoặc đã bị thu hồi.")
        unit = session.get(Unit, key.unit_id) if key.unit_id is not None else None
        return Reach.for_unit(unit, actor=f"api:{key.name}") if unit else Reach.admin(actor=f"api:{key.name}")
    uid = request.session.get("uid")
    user = session.get(User, uid) if isinstance(uid, int) else None
    if user is None or not user.active or request.session.get("pw") != user.password_hash[-16:]:
        # Without a key or a console session: the answers organisers published, as on /cong-khai/.
        return Reach.public()
    return principal_from(session, user).reach


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def _as_request(session: Session, q: Question, labels: dict[str, str]) -> dict[str, Any]:
    primary = (session.get(Question, q.duplicate_of_id) if q.duplicate_of_id else None) or q
    answer = queries.latest_replies(session, [primary.id]).get(primary.id)
    due = primary.due_date
    expected = datetime(due.year, due.month, due.day, 17, tzinfo=LOCAL_TZ) if due else None
    field = q.field or "khac"
    return {
        "service_request_id": q.ticket, "status": "closed" if q.status in lifecycle.CLOSED_STATUSES else "open",
        "status_notes": answer.text if answer else (q.status_note or lifecycle.label(q.status)),
        "service_name": labels.get(field, field), "service_code": field, "description": mask_text(q.original_text),
        "agency_responsible": primary.agency.name if primary.agency else None, "service_notice": None,
        "requested_datetime": _iso(q.created_at), "updated_datetime": _iso(q.updated_at),
        "expected_datetime": _iso(expected), "address": q.unit.name, "address_id": None, "zipcode": None,
        "lat": None, "long": None, "media_url": None,
    }


def _when(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        raise ApiError(400, f"{name} phải theo chuẩn ISO 8601, ví dụ 2026-11-24T08:00:00+07:00.") from None


@router.get("/services.{fmt}", summary="Fields (lĩnh vực) as Open311 services")
def services(request: Request, fmt: str) -> Response:
    try:
        fmt = _format(fmt)
    except ApiError as exc:
        return _error("json", exc.status, exc.message)
    payload = [{"service_code": f.code, "service_name": f.label, "description": f.description, "metadata": False,
                "type": "realtime", "keywords": "", "group": "Lĩnh vực"} for f in fields_of(request)]
    return _respond(fmt, payload, "services", "service")


@router.get("/requests.{fmt}", summary="Questions as service requests, with the standard filters")
def list_requests(
    request: Request, fmt: str, service_request_id: str | None = None, service_code: str | None = None,
    start_date: str | None = None, end_date: str | None = None,
    status: str | None = Query(None, pattern="^(open|closed)(,(open|closed))?$"),
    api_key: str | None = None, session: Session = Depends(db),
) -> Response:
    try:
        fmt = _format(fmt)
        reach = _reach(request, session, api_key)
        start, end = _when(start_date, "start_date"), _when(end_date, "end_date")
        tickets = [t for t in (service_request_id or "").split(",") if t.strip()]
        if not tickets and start is None and end is None:
            start = datetime.now(UTC) - timedelta(days=DEFAULT_DAYS)
        statuses = set((status or "").split(",")) - {""}
        rows = queries.open311_requests(session, reach, service_code=service_code or None,
                                        status=statuses.pop() if len(statuses) == 1 else None,
                                        start=start, end=end, tickets=tickets, limit=1000)
    except ApiError as exc:
        return _error(fmt, exc.status, exc.message)
    labels = {f.code: f.label for f in fields_of(request)}
    return _respond(fmt, [_as_request(session, q, labels) for q in rows], "service_requests", "request")


@router.get("/requests/{request_id}.{fmt}", summary="One service request by its ticket code")
def get_request(request: Request, request_id: str, fmt: str, api_key: str | None = None,
                session: Session = Depends(db)) -> Response:
    try:
        fmt = _format(fmt)
        reach = _reach(request, session, api_key)
        rows = queries.open311_requests(session, reach, tickets=[request_id], limit=1)
        if not rows:
            raise ApiError(404, f"Không tìm thấy yêu cầu «{request_id}».")
    except ApiError as exc:
        return _error(fmt, exc.status, exc.message)
    labels = {f.code: f.label for f in fields_of(request)}
    return _respond(fmt, [_as_request(session, rows[0], labels)], "service_requests", "request")


@router.post("/requests.{fmt}", summary="Submit a question; without service_code the classifier picks the field")
def post_request(
    request: Request, fmt: str, api_key: str = Form(""), description: str = Form("", max_length=10_000),
    service_code: str = Form(""), meeting_code: str = Form("", alias="attribute[meeting_code]"),
    session: Session = Depends(db),
) -> Response:
    labels = {f.code: f.label for f in fields_of(request)}
    try:
        fmt = _format(fmt)
        if not api_key:
            raise ApiError(401, "Cần khóa API (api_key) để gửi yêu cầu.")
        reach = _reach(request, session, api_key)
        if service_code and service_code not in labels:
            raise ApiError(400, f"service_code «{service_code}» không có trong danh sách dịch vụ.")
        meeting = lookup.find_meeting_by_code(session, meeting_code) if meeting_code else None
        if meeting is None or not reach.covers_unit(meeting.unit):
            raise ApiError(400, "Cần attribute[meeting_code] là mã một hội nghị đang nhận câu hỏi trong phạm vi "
                                "của khóa API.")
        ctx = get_ctx(request)
        with ctx.transaction() as tx:
            q = questions.submit_question(tx, meeting_id=meeting.id, text=description, channel="api",
                                          field=service_code or None, analyzer=ctx.analyzer, actor=reach.actor)
            ticket, field, confidence = q.ticket, q.field, q.confidence
    except ApiError as exc:
        return _error(fmt, exc.status, exc.message)
    except DomainError as exc:
        return _error(fmt, 400 if exc.http_status in (404, 422) else exc.http_status, exc.message)
    if service_code:
        notice = f"Đã tiếp nhận, mã số {ticket}."
    elif field:
        notice = (f"Đã tiếp nhận, mã số {ticket}. Lĩnh vực do hệ thống tự phân loại: {labels.get(field, field)}"
                  + (f" (độ tin cậy {confidence * 100:.0f}%)." if confidence is not None else "."))
    else:
        notice = f"Đã tiếp nhận, mã số {ticket}. Tổ giúp việc sẽ phân loại lĩnh vực."
    payload = [{"service_request_id": ticket, "service_notice": notice, "account_id": None,
                "service_code": field, "service_code_source": "client" if service_code else "classifier"}]
    return _respond(fmt, payload, "service_requests", "request", status=201)
