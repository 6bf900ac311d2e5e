"""The public page of a meeting's published answers, /cong-khai/<meeting code>, HTML and JSON, no login.

Only what organisers published is shown, grouped as merged, by the organisers' summary; personal data
(phone, ID and account numbers, e-mail) is masked in every text, and no asker is named.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from nlp.privacy import mask_text
from storage import lifecycle, queries
from storage.errors import NotFound
from storage.models import Meeting
from storage.queries import PublishedItem
from vntext import local, vn_date
from web.deps import get_ctx
from web.render import fields_of, render

router = APIRouter()


def public_item(item: PublishedItem, labels: dict[str, str]) -> dict[str, Any]:
    q = item.question
    field = q.field or "khac"
    return {
        "ticket": q.ticket, "summary": mask_text(q.summary or q.original_text), "askers": item.askers,
        "field": field, "field_label": labels.get(field, field),
        "agency": q.agency.name if q.agency else None,
        "status": q.status, "status_label": lifecycle.label(q.status),
        "answer": mask_text(item.answer.text) if item.answer else None,
        "answered_at": local(item.answer.created_at).isoformat(timespec="seconds") if item.answer else None,
        "published_at": local(item.published_at).isoformat(timespec="seconds"),
    }


def _published(request: Request, code: str) -> tuple[Meeting, list[dict[str, Any]]]:
    labels = {f.code: f.label for f in fields_of(request)}
    session: Session
    with get_ctx(request).sessions() as session:
        meeting, items = queries.published_answers(session, code)
        session.expunge(meeting)
        return meeting, [public_item(i, labels) for i in items]


@router.get("/cong-khai/{code}.json")
def public_json(code: str, request: Request) -> Response:
    try:
        meeting, items = _published(request, code)
    except NotFound as exc:
        return JSONResponse({"error": exc.code, "message": exc.message}, status_code=404)
    return JSONResponse({"meeting": {"code": meeting.code, "title": meeting.title, "date": vn_date(meeting.starts_at)},
                         "groups": len(items), "questions": sum(i["askers"] for i in items), "items": items})


@router.get("/cong-khai/{code}")
def public_page(code: str, request: Request) -> Response:
    meeting, items = _published(request, code)
    return render(request, "public.html", meeting=meeting, items=items)
