"""Open311 GeoReport v2: fields as services, questions as service requests, in JSON and XML.

Follows http://wiki.open311.org/GeoReport_v2: every service has metadata, its definition
(`services/{code}.json|xml`) lists the attribute a request needs (the meeting, as a
`singlevaluelist`); `jurisdiction_id` is accepted on every call; errors come as
[{"code", "description"}]. Reading requests without an API key or a console session gives exactly
the published requests (the answers on /cong-khai/); with one, each caller sees what its reach
covers. Posting needs an API key, sent as `api_key` or an `X-Api-Key` header.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from nlp.privacy import mask_text
from storage import lifecycle, queries
from storage.actions import api_keys
from storage.actions import open311 as actions
from storage.clock import LOCAL_TZ, parse_datetime
from storage.errors import DomainError
from storage.models import Attachment, Question, Unit
from storage.reach import Reach
from web.deps import db, get_ctx, logged_in_user, principal_from
from web.errors import WebError
from web.open311_format import FORMATS, error, respond
from web.render import fields_of

router = APIRouter(prefix="/open311/v2", tags=["Open311 GeoReport v2"])
DEFAULT_DAYS = 90
# GeoReport v2 lets a server host several jurisdictions; this one has a single one and accepts any value.
JURISDICTION = Query(None, alias="jurisdiction_id", description="Accepted; this server has one jurisdiction.")


class ApiError(WebError):
    """An Open311 protocol error, answered in the format the client asked for."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message, status=status)


@dataclass(frozen=True)
class Caller:
    reach: Reach
    home_unit_id: int | None
    keyed: bool


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ApiError(404, "Định dạng chỉ có thể là json hoặc xml.")
    return fmt


def _key(request: Request, api_key: str | None) -> str | None:
    return (api_key or request.headers.get("x-api-key") or "").strip() or None


def _caller(request: Request, session: Session, api_key: str | None, *, key_only: bool = False) -> Caller:
    raw = _key(request, api_key)
    if raw:
        key = api_keys.find_api_key(session, raw)
        if key is None:
            raise ApiError(403, "Khóa API không hợp lệ hoặc đã bị thu hồi.")
        unit = session.get(Unit, key.unit_id) if key.unit_id is not None else None
        reach = Reach.for_unit(unit, actor=f"api:{key.name}") if unit else Reach.admin(actor=f"api:{key.name}")
        return Caller(reach, key.unit_id, True)
    if key_only:
        raise ApiError(401, "Cần khóa API (api_key hoặc tiêu đề X-Api-Key) để gửi yêu cầu.")
    user = logged_in_user(request, session)
    if user is None:
        # Without a key or a console session: the answers organisers published, as on /cong-khai/.
        return Caller(Reach.public(), None, False)
    return Caller(principal_from(session, user).reach, user.unit_id, False)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def _as_request(session: Session, q: Question, labels: dict[str, str]) -> dict[str, Any]:
    primary = (session.get(Question, q.duplicate_of_id) if q.duplicate_of_id else None) or q
    answer = queries.latest_replies(session, [primary.id]).get(primary.id)
    due = primary.due_date
    expected = datetime(due.year, due.month, due.day, 17, tzinfo=LOCAL_TZ) if due else None
    field = q.field or "khac"
    media = session.query(Attachment.file_ref).filter(Attachment.question_id == q.id,
                                                      Attachment.kind == "link").first()
    return {
        "service_request_id": q.ticket, "status": "closed" if q.status in lifecycle.CLOSED_STATUSES else "open",
        "status_notes": mask_text(answer.text if answer else (q.status_note or lifecycle.label(q.status))),
        "service_name": labels.get(field, field), "service_code": field, "description": mask_text(q.original_text),
        "agency_responsible": primary.agency.name if primary.agency else None, "service_notice": None,
        "requested_datetime": _iso(q.created_at), "updated_datetime": _iso(q.updated_at),
        "expected_datetime": _iso(expected), "address": q.address or q.unit.name, "address_id": None,
        "zipcode": None, "lat": q.lat, "long": q.long, "media_url": media[0] if media else None,
    }


def _when(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        raise ApiError(400, f"{name} phải theo chuẩn ISO 8601, ví dụ 2026-11-24T08:00:00+07:00.") from None


@router.get("/services.{fmt}", summary="Fields (lĩnh vực) as Open311 services")
def services(request: Request, fmt: str, _jurisdiction: str | None = JURISDICTION) -> Response:
    try:
        fmt = _format(fmt)
    except ApiError as exc:
        return error("json", exc.status, exc.message)
    # metadata is true: every service has the meeting attribute in its definition.
    payload = [{"service_code": f.code, "service_name": f.label, "description": f.description, "metadata": True,
                "type": "realtime", "keywords": "", "group": "Lĩnh vực"} for f in fields_of(request)]
    return respond(fmt, payload, "services", "service")


def _meeting_attribute(choice: actions.MeetingChoice) -> dict[str, Any]:
    default = f" Không chọn: hội nghị {choice.default.code}." if choice.default is not None else ""
    return {
        "variable": True, "code": actions.MEETING_ATTRIBUTE, "datatype": "singlevaluelist",
        "required": choice.required, "datatype_description": "Mã hội nghị tiếp xúc, đối thoại đang nhận câu hỏi.",
        "order": 1, "description": "Hội nghị nhận câu hỏi." + default,
        "values": [{"key": m.code, "name": m.title} for m in choice.meetings],
    }


@router.get("/services/{service_code}.{fmt}", summary="Definition of a service: the attributes a request needs")
def service_definition(request: Request, service_code: str, fmt: str, _jurisdiction: str | None = JURISDICTION,
                       api_key: str | None = None, session: Session = Depends(db)) -> Response:
    """The meeting is a singlevaluelist of the open meetings the caller may send to (all, without a key)."""
    try:
        fmt = _format(fmt)
        if service_code not in {f.code for f in fields_of(request)}:
            raise ApiError(404, f"Không có dịch vụ «{service_code}».")
        if _key(request, api_key):
            caller = _caller(request, session, api_key, key_only=True)
            reach, home = caller.reach, caller.home_unit_id
        else:
            reach, home = Reach.admin(actor="public"), None
        choice = actions.meeting_choice(session, reach, home)
    except ApiError as exc:
        return error(fmt, exc.status, exc.message)
    return respond(fmt, {"service_code": service_code, "attributes": [_meeting_attribute(choice)]},
                   "service_definition", None)


@router.get("/requests.{fmt}", summary="Questions as service requests, with the standard filters")
def list_requests(
    request: Request, fmt: str, service_request_id: str | None = None, service_code: str | None = None,
    start_date: str | None = None, end_date: str | None = None,
    status: str | None = Query(None, pattern="^(open|closed)(,(open|closed))?$"),
    api_key: str | None = None, _jurisdiction: str | None = JURISDICTION, session: Session = Depends(db),
) -> Response:
    try:
        fmt = _format(fmt)
        reach = _caller(request, session, api_key).reach
        start, end = _when(start_date, "start_date"), _when(end_date, "end_date")
        tickets = [t for t in (service_request_id or "").split(",") if t.strip()]
        if not tickets and start is None and end is None:
            start = datetime.now(UTC) - timedelta(days=DEFAULT_DAYS)
        statuses = set((status or "").split(",")) - {""}
        rows = queries.open311_requests(session, reach, service_code=service_code or None,
                                        status=statuses.pop() if len(statuses) == 1 else None,
                                        start=start, end=end, tickets=tickets, limit=1000)
    except ApiError as exc:
        return error(fmt, exc.status, exc.message)
    labels = {f.code: f.label for f in fields_of(request)}
    return respond(fmt, [_as_request(session, q, labels) for q in rows], "service_requests", "request")


@router.get("/requests/{request_id}.{fmt}", summary="One service request by its ticket code")
def get_request(request: Request, request_id: str, fmt: str, api_key: str | None = None,
                _jurisdiction: str | None = JURISDICTION, session: Session = Depends(db)) -> Response:
    try:
        fmt = _format(fmt)
        reach = _caller(request, session, api_key).reach
        rows = queries.open311_requests(session, reach, tickets=[request_id], limit=1)
        if not rows:
            raise ApiError(404, f"Không tìm thấy yêu cầu «{request_id}».")
    except ApiError as exc:
        return error(fmt, exc.status, exc.message)
    labels = {f.code: f.label for f in fields_of(request)}
    return respond(fmt, [_as_request(session, rows[0], labels)], "service_requests", "request")


@router.post("/requests.{fmt}", summary="Submit a question; without service_code the classifier picks the field")
def post_request(
    request: Request, fmt: str, api_key: str = Form(""), description: str = Form("", max_length=10_000),
    service_code: str = Form(""),
    meeting_code: str = Form("", alias="attribute[meeting_code]"),
    address_string: str = Form("", max_length=300), lat: str = Form(""), long: str = Form(""),
    media_url: str = Form(""), session: Session = Depends(db),
) -> Response:
    labels = {f.code: f.label for f in fields_of(request)}
    try:
        fmt = _format(fmt)
        caller = _caller(request, session, api_key, key_only=True)
        if service_code and service_code not in labels:
            raise ApiError(400, f"service_code «{service_code}» không có trong danh sách dịch vụ.")
        meeting_id = actions.pick_meeting(actions.meeting_choice(session, caller.reach, caller.home_unit_id),
                                          meeting_code or None).id
        location = actions.check_location(address_string, lat, long)
        media = actions.check_media_url(media_url)
        ctx = get_ctx(request)
        with ctx.transaction() as tx:
            q = actions.submit_service_request(tx, meeting_id=meeting_id, text=description, field=service_code or None,
                                               analyzer=ctx.analyzer, actor=caller.reach.actor, location=location,
                                               media_url=media)
            ticket, field, confidence = q.ticket, q.field, q.confidence
    except ApiError as exc:
        return error(fmt, exc.status, exc.message)
    except DomainError as exc:
        return error(fmt, 400 if exc.http_status in (404, 422) else exc.http_status, exc.message)
    return respond(fmt, [_created(ticket, field, confidence, bool(service_code), labels)], "service_requests",
                   "request", status=201)


def _created(ticket: str | None, field: str | None, confidence: float | None, by_client: bool,
             labels: dict[str, str]) -> dict[str, Any]:
    if by_client:
        notice = f"Đã tiếp nhận, mã số {ticket}."
    elif field:
        notice = (f"Đã tiếp nhận, mã số {ticket}. Lĩnh vực do hệ thống tự phân loại: {labels.get(field, field)}"
                  + (f" (độ tin cậy {confidence * 100:.0f}%)." if confidence is not None else "."))
    else:
        notice = f"Đã tiếp nhận, mã số {ticket}. Tổ giúp việc sẽ phân loại lĩnh vực."
    return {"service_request_id": ticket, "service_notice": notice, "account_id": None, "service_code": field,
            "service_code_source": "client" if by_client else "classifier"}
