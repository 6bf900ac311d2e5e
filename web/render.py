"""Jinja2 templates with the Vietnamese filters, flash messages and the field taxonomy."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from nlp.fields import Field, load_fields
from nlp.privacy import mask_text
from storage import lifecycle
from storage.actions.meetings import STATE_LABELS
from storage.actions.users import ROLE_LABELS
from vntext import vn_date, vn_datetime, vn_int, vn_pct
from web.security import csrf_token

TEMPLATES = Path(__file__).with_name("templates")
templates = Jinja2Templates(directory=str(TEMPLATES))

CHANNEL_LABELS = {"telegram": "Telegram", "zalo": "Zalo", "zalo_oa": "Zalo OA", "web": "Web", "api": "API",
                  "import": "Nhập từ tệp"}
DELIVERY_LABELS = {"pending": "Đang chờ gửi", "sent": "Đã gửi", "failed": "Gửi lỗi"}


@lru_cache(maxsize=4)
def _fields(path: str | None) -> tuple[Field, ...]:
    return tuple(load_fields(Path(path) if path else None))


def fields_of(request: Request) -> tuple[Field, ...]:
    path = getattr(request.app.state.ctx.settings, "fields_path", None)
    return _fields(str(path) if path else None)


def field_codes(request: Request) -> set[str]:
    return {f.code for f in fields_of(request)}


def field_label(request: Request, code: str | None) -> str:
    if not code:
        return "Chưa phân loại"
    for f in fields_of(request):
        if f.code == code:
            return f.label
    return code


@pass_context
def citizen_text(context: Context, text: str | None) -> str:
    """A citizen's words as the reader may see them: phone, ID and account numbers and e-mails masked
    for agency officers (and anyone not logged in); organisers and admins see them whole."""
    user = context.get("user")
    if not text:
        return ""
    return text if getattr(user, "sees_contacts", False) else mask_text(text)


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.0f}%"


templates.env.filters.update({
    "vn_int": vn_int, "vn_date": vn_date, "vn_datetime": vn_datetime, "vn_pct": vn_pct, "pct": _pct,
    "status_label": lifecycle.label, "meeting_state": lambda s: STATE_LABELS.get(s, s),
    "role_label": lambda r: ROLE_LABELS.get(r, r), "channel_label": lambda c: CHANNEL_LABELS.get(c, c),
    "delivery_label": lambda s: DELIVERY_LABELS.get(s, s), "citizen_text": citizen_text,
})
templates.env.globals.update({"STATUSES": lifecycle.STATUSES, "STATUS_LABELS": lifecycle.LABELS})


def flash(request: Request, message: str, kind: str = "ok") -> None:
    messages = list(request.session.get("flash", []))
    messages.append([kind, message])
    request.session["flash"] = messages[-5:]


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    fields = fields_of(request)
    labels = {f.code: f.label for f in fields}
    base = {
        "request": request,
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(request),
        "flashes": request.session.pop("flash", []),
        "fields": fields,
        "field_label": lambda code: labels.get(code, code) if code else "Chưa phân loại",
    }
    base.update(context)
    # Security headers are added to every response by web.middleware.SecurityHeaders.
    return templates.TemplateResponse(request, name, base, status_code=status_code)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
